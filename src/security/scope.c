/*
 * scope.c: who is calling, and what they may see.
 *
 * Row-level security policies compare plain columns with the caller's scope:
 *     department_id = sv.scope_department() AND region_code = ANY (sv.scope_regions())
 * The scope comes from sv.staff (through sv._scope_lookup(), which runs as the owner) and is
 * cached per user, transaction, statement and command, so a policy evaluated for a million rows
 * costs one lookup.  No subquery appears in any policy expression (they must also work on Citus).
 *
 * The caller is the "outer" user: the role set by login or SET ROLE, which SECURITY DEFINER
 * functions do not change.  So write functions running as the owner still see, and audit, the
 * real caller.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

typedef struct ScopeCache
{
	bool		valid;
	Oid			userid;
	LocalTransactionId lxid;
	CommandId	cid;
	TimestampTz stmt_start;
	bool		has_department;
	int32		department_id;
	ArrayType  *regions;		/* NULL when the caller has no scope */
} ScopeCache;

static ScopeCache scope_cache;
static MemoryContext scope_context = NULL;

PG_FUNCTION_INFO_V1(sv_outer_user);
Datum
sv_outer_user(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(GetUserNameFromId(GetOuterUserId(), false)));
}

static void
scope_refresh(void)
{
	Oid			userid = GetOuterUserId();
	LocalTransactionId lxid = MyProc->lxid;
	CommandId	cid = GetCurrentCommandId(false);
	TimestampTz stmt_start = GetCurrentStatementStartTimestamp();
	int			ret;

	/* per statement (and per command inside one): a mapping ended meanwhile stops counting */
	if (scope_cache.valid && scope_cache.userid == userid &&
		scope_cache.lxid == lxid && scope_cache.cid == cid &&
		scope_cache.stmt_start == stmt_start)
		return;

	if (scope_context == NULL)
		scope_context = AllocSetContextCreate(TopMemoryContext, "sv scope cache",
											  ALLOCSET_SMALL_SIZES);
	scope_cache.valid = false;
	MemoryContextReset(scope_context);
	scope_cache.has_department = false;
	scope_cache.regions = NULL;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* schema-qualified, no operators: nothing here depends on the caller's search_path */
	ret = SPI_execute("SELECT department_id, regions FROM sv._scope_lookup()", true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "scope lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d;

		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull)
		{
			scope_cache.has_department = true;
			scope_cache.department_id = DatumGetInt32(d);
		}
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(scope_context);

			scope_cache.regions = DatumGetArrayTypePCopy(d);
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();

	scope_cache.userid = userid;
	scope_cache.lxid = lxid;
	scope_cache.cid = cid;
	scope_cache.stmt_start = stmt_start;
	scope_cache.valid = true;
}

/* sv.scope_department(): the caller's department, NULL without a staff mapping in force. */
PG_FUNCTION_INFO_V1(sv_scope_department);
Datum
sv_scope_department(PG_FUNCTION_ARGS)
{
	scope_refresh();
	if (!scope_cache.has_department)
		PG_RETURN_NULL();
	PG_RETURN_INT32(scope_cache.department_id);
}

/* sv.scope_regions(): the caller's region and all regions under it, NULL without a scope. */
PG_FUNCTION_INFO_V1(sv_scope_regions);
Datum
sv_scope_regions(PG_FUNCTION_ARGS)
{
	scope_refresh();
	if (scope_cache.regions == NULL)
		PG_RETURN_NULL();
	/* a copy: the caller's memory, never the cache */
	PG_RETURN_ARRAYTYPE_P(DatumGetArrayTypePCopy(PointerGetDatum(scope_cache.regions)));
}
