/*
 * scope.c: who is calling, and what they may see.
 *
 * Row-level security policies compare plain columns with the caller's scope:
 *     department_id = sv.scope_department() AND region_code = ANY (sv.scope_regions())
 * The scope comes from sv.staff (through sv._scope_lookup(), which runs as the owner) and is
 * cached per user, transaction, statement and scope generation, so a policy evaluated for a
 * million rows costs one lookup.  The generation is a counter of this backend, bumped by the
 * statement triggers on the tables the lookup reads (sv.staff and sv.region: a mapping added,
 * ended or changed, a region moved) and by every subtransaction abort (a mapping change rolled
 * back to a savepoint): so a mapping change made earlier in the same statement is seen by the
 * next lookup, and the many writes of a write function to other tables no longer cost a lookup
 * each (the key used to be the command id, which every write advances).  With
 * session_replication_role = replica those triggers do not fire: the command id is then part
 * of the key again.  Another session's change is seen from the caller's next statement.  No subquery appears in any policy expression (they must also work on Citus).
 *
 * The caller is the "outer" user: the role set by login or SET ROLE, which SECURITY DEFINER
 * functions do not change.  So write functions running as the owner still see, and audit, the
 * real caller.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "commands/trigger.h"
#include "storage/proc.h"
#include "utils/acl.h"
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
	uint64		generation;
	bool		has_department;
	int32		department_id;
	ArrayType  *regions;		/* NULL when the caller has no scope */
} ScopeCache;

static ScopeCache scope_cache;
static MemoryContext scope_context = NULL;
static uint64 scope_generation = 1;
static bool scope_callback_registered = false;

/* a subtransaction rolled back may have undone a mapping change the cache saw */
static void
scope_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		scope_generation++;
}

/*
 * sv._scope_changed(): statement trigger (AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE) on
 * sv.staff and sv.region: the next scope lookup of this backend queries again.
 */
PG_FUNCTION_INFO_V1(sv_scope_changed);
Datum
sv_scope_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("sv._scope_changed() must be called as a trigger")));
	scope_generation++;
	return PointerGetDatum(NULL);
}

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

	/*
	 * per statement and scope generation: a mapping changed meanwhile (in this transaction, or
	 * in a committed one for a new statement) counts at once
	 */
	if (scope_cache.valid && scope_cache.userid == userid &&
		scope_cache.lxid == lxid && scope_cache.generation == scope_generation &&
		scope_cache.stmt_start == stmt_start &&
		(SessionReplicationRole != SESSION_REPLICATION_ROLE_REPLICA || scope_cache.cid == cid))
		return;

	if (!scope_callback_registered)
	{
		RegisterSubXactCallback(scope_subxact_callback, NULL);
		scope_callback_registered = true;
	}

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
	scope_cache.generation = scope_generation;
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

/*
 * sv._caller(): the caller of a write function in one row, for the write-API helpers of
 * 15_security.sql (docs/security.md, "Write-API pattern"): its login, the platform group roles
 * it has (in the order of sv._group_roles(); a superuser has them all, as with pg_has_role),
 * whether it is a superuser, an administrator (a superuser or a member of sv_admin), an
 * auditor, an officer, an integration, and the department and regions of its staff mapping in
 * force (NULL without one).  Membership is pg_has_role(..., 'USAGE'), i.e. has_privs_of_role,
 * answered from the role cache; the scope from the cache above: no query of its own.
 */
static const char *const group_roles[] = {
	"sv_admin", "sv_officer", "sv_auditor", "sv_public", "sv_bi", "sv_integration"
};

#define GROUP_ADMIN			0
#define GROUP_OFFICER		1
#define GROUP_AUDITOR		2
#define GROUP_INTEGRATION	5
#define CALLER_NATTS		9

PG_FUNCTION_INFO_V1(sv_caller);
Datum
sv_caller(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[CALLER_NATTS];
	bool		nulls[CALLER_NATTS];
	Datum		roles[lengthof(group_roles)];
	bool		member[lengthof(group_roles)];
	int			nroles = 0;
	Oid			outer = GetOuterUserId();
	bool		super = superuser_arg(outer);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE ||
		tupdesc->natts != CALLER_NATTS)
		elog(ERROR, "sv._caller: return type must be a row of %d columns", CALLER_NATTS);
	tupdesc = BlessTupleDesc(tupdesc);

	for (int i = 0; i < lengthof(group_roles); i++)
	{
		Oid			group = get_role_oid(group_roles[i], true);

		member[i] = OidIsValid(group) && has_privs_of_role(outer, group);
		if (member[i])
			roles[nroles++] = CStringGetTextDatum(group_roles[i]);
	}

	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(GetUserNameFromId(outer, false));
	values[1] = PointerGetDatum(construct_array(roles, nroles, TEXTOID, -1, false, TYPALIGN_INT));
	values[2] = BoolGetDatum(super);
	values[3] = BoolGetDatum(super || member[GROUP_ADMIN]);
	values[4] = BoolGetDatum(member[GROUP_AUDITOR]);
	values[5] = BoolGetDatum(member[GROUP_OFFICER]);
	values[6] = BoolGetDatum(member[GROUP_INTEGRATION]);

	scope_refresh();
	nulls[7] = !scope_cache.has_department;
	values[7] = Int32GetDatum(scope_cache.has_department ? scope_cache.department_id : 0);
	nulls[8] = scope_cache.regions == NULL;
	/* a copy: the caller's memory, never the cache */
	values[8] = nulls[8] ? (Datum) 0 : PointerGetDatum(DatumGetArrayTypePCopy(PointerGetDatum(scope_cache.regions)));

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
