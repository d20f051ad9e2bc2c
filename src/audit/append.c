/*
 * append.c: sv.audit_append(), adding one record to the audit chain in the caller's
 * transaction.
 *
 * The chain head is one row (sv.audit_chain).  The first append of a transaction locks it
 * (SELECT ... FOR UPDATE: waits for a concurrent appender's commit or abort, then sees its
 * record; under REPEATABLE READ a concurrent append is a serialization failure, never a fork)
 * and remembers its values and physical address.  Every append then updates the head by that
 * address and inserts the record.  Updating by address matters: a transaction that appends
 * thousands of records leaves thousands of versions of the head row behind it, and looking the
 * row up by key would walk all of them on every append.
 *
 * The remembered head is dropped at the end of the transaction and whenever a subtransaction
 * aborts (its appends, and possibly its lock, are gone), so the next append reads it again.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "audit/audit.h"

typedef struct AuditHead
{
	bool		valid;
	int64		seq;
	uint8		hash[AUDIT_HASH_LEN];
	ItemPointerData ctid;
} AuditHead;

static AuditHead audit_head;
static bool audit_callbacks_registered = false;
static SPIPlanPtr plan_lock = NULL;
static SPIPlanPtr plan_genesis = NULL;
static SPIPlanPtr plan_update = NULL;
static SPIPlanPtr plan_insert = NULL;
static pg_cryptohash_ctx *append_ctx = NULL;
static ResourceOwner append_owner = NULL;

static void
audit_xact_callback(XactEvent event, void *arg)
{
	audit_head.valid = false;
}

static void
audit_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		audit_head.valid = false;
}

static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

/* Every statement is schema-qualified and uses only pg_catalog operators spelt out. */
static void
prepare_plans(void)
{
	Oid			update_types[5] = {INT8OID, BYTEAOID, BYTEAOID, TIMESTAMPTZOID, TIDOID};
	Oid			genesis_types[1] = {BYTEAOID};
	Oid			insert_types[11] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, INT4OID, TEXTOID,
	TEXTOID, TEXTOID, JSONOID, BYTEAOID, BYTEAOID};

	if (plan_lock == NULL)
		plan_lock = prepare_kept("SELECT h.seq, h.hash, h.ctid FROM sv.audit_chain h "
								 "WHERE h.singleton FOR UPDATE", 0, NULL);
	if (plan_genesis == NULL)
		plan_genesis = prepare_kept("INSERT INTO sv.audit_chain (singleton, seq, hash, prev_hash) "
									"VALUES (true, 0, $1, $1) ON CONFLICT (singleton) DO NOTHING",
									1, genesis_types);
	if (plan_update == NULL)
		plan_update = prepare_kept("UPDATE sv.audit_chain h SET seq = $1, hash = $2, prev_hash = $3, "
								   "recorded_at = $4 WHERE h.ctid OPERATOR(pg_catalog.=) $5 "
								   "RETURNING h.ctid", 5, update_types);
	if (plan_insert == NULL)
		plan_insert = prepare_kept("INSERT INTO sv.audit_log (seq, recorded_at, actor_session, actor_role, "
								   "department_id, object_kind, object_id, action, change, prev_hash, hash) "
								   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
								   11, insert_types);
}

static bytea *
hash_bytea(const uint8 *h)
{
	bytea	   *b = (bytea *) palloc(VARHDRSZ + AUDIT_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(b), h, AUDIT_HASH_LEN);
	return b;
}

/* Lock the head row and remember it; creates it (genesis: zeros) on the very first append. */
static void
load_head(void)
{
	for (int attempt = 0; attempt < 2; attempt++)
	{
		int			ret = SPI_execute_plan(plan_lock, NULL, NULL, false, 1);

		if (ret != SPI_OK_SELECT)
			elog(ERROR, "locking the audit chain head failed: %s", SPI_result_code_string(ret));
		if (SPI_processed == 1)
		{
			bool		isnull;
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bytea	   *h;

			audit_head.seq = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			h = DatumGetByteaPP(SPI_getbinval(tup, desc, 2, &isnull));
			if (isnull || VARSIZE_ANY_EXHDR(h) != AUDIT_HASH_LEN)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("the audit chain head has no valid hash")));
			memcpy(audit_head.hash, VARDATA_ANY(h), AUDIT_HASH_LEN);
			audit_head.ctid = *(ItemPointer) DatumGetPointer(SPI_getbinval(tup, desc, 3, &isnull));
			audit_head.valid = true;
			return;
		}
		if (attempt == 0)
		{
			uint8		zeros[AUDIT_HASH_LEN] = {0};
			Datum		v[1] = {PointerGetDatum(hash_bytea(zeros))};

			/* the head is missing although records exist: do not start a second chain */
			ret = SPI_execute("SELECT 1 FROM sv.audit_log LIMIT 1", true, 1);
			if (ret == SPI_OK_SELECT && SPI_processed > 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("the audit chain head is missing although the log has records"),
						 errhint("Run sv.audit_verify() and investigate.")));
			ret = SPI_execute_plan(plan_genesis, v, NULL, false, 0);
			if (ret != SPI_OK_INSERT)
				elog(ERROR, "creating the audit chain head failed: %s", SPI_result_code_string(ret));
		}
	}
	elog(ERROR, "the audit chain head could not be created");
}

static void
check_identifier(const char *field, text *t)
{
	const char *p = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	bool		ok = len > 0 && p[0] >= 'a' && p[0] <= 'z';

	for (int i = 1; ok && i < len; i++)
		ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_';
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a lower-case identifier, not %s", field,
						quote_literal_cstr(text_to_cstring(t)))));
}

/*
 * sv.audit_append(department_id int, object_kind text, object_id text, action text,
 *                 change jsonb) returns bigint
 */
PG_FUNCTION_INFO_V1(sv_audit_append);
Datum
sv_audit_append(PG_FUNCTION_ARGS)
{
	text	   *object_kind;
	text	   *action;
	Jsonb	   *change;
	char	   *change_text;
	char	   *session_name;
	char	   *role_name;
	AuditRecord r;
	uint8		hash[AUDIT_HASH_LEN];
	StringInfoData buf;
	Datum		uv[5];
	Datum		iv[11];
	char		in[11];
	int			ret;
	bool		isnull;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("object_kind must be a lower-case identifier, not NULL")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("action must be a lower-case identifier, not NULL")));
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("change must not be null (use '{}')")));
	object_kind = PG_GETARG_TEXT_PP(1);
	action = PG_GETARG_TEXT_PP(3);
	check_identifier("object_kind", object_kind);
	check_identifier("action", action);
	change = PG_GETARG_JSONB_P(4);
	change_text = JsonbToCString(NULL, &change->root, VARSIZE(change));

	if (!audit_callbacks_registered)
	{
		RegisterXactCallback(audit_xact_callback, NULL);
		RegisterSubXactCallback(audit_subxact_callback, NULL);
		audit_callbacks_registered = true;
	}
	if (append_ctx == NULL)
	{
		/*
		 * One hash context for the backend's life, so appends do not pay for creating one.  It
		 * belongs to a resource owner of its own, never released, instead of the transaction's,
		 * which would free it (and warn of a leak) at the first commit.
		 */
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		ResourceOwner oldowner = CurrentResourceOwner;

		if (append_owner == NULL)
			append_owner = ResourceOwnerCreate(NULL, "sv_platform audit hashing");
		CurrentResourceOwner = append_owner;
		append_ctx = audit_hash_ctx();
		CurrentResourceOwner = oldowner;
		MemoryContextSwitchTo(oldcxt);
	}

	session_name = GetUserNameFromId(GetSessionUserId(), false);
	role_name = GetUserNameFromId(GetOuterUserId(), false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	prepare_plans();
	if (!audit_head.valid)
		load_head();

	r.seq = audit_head.seq + 1;
	r.recorded_at = GetCurrentTimestamp();	/* after the head lock: never goes backwards */
	r.text[0] = session_name;
	r.textlen[0] = strlen(session_name);
	r.text[1] = role_name;
	r.textlen[1] = strlen(role_name);
	r.dept_null = PG_ARGISNULL(0);
	r.department_id = r.dept_null ? 0 : PG_GETARG_INT32(0);
	r.text[2] = VARDATA_ANY(object_kind);
	r.textlen[2] = VARSIZE_ANY_EXHDR(object_kind);
	if (PG_ARGISNULL(2))
	{
		r.text[3] = NULL;
		r.textlen[3] = 0;
	}
	else
	{
		text	   *oid = PG_GETARG_TEXT_PP(2);

		r.text[3] = VARDATA_ANY(oid);
		r.textlen[3] = VARSIZE_ANY_EXHDR(oid);
	}
	r.text[4] = VARDATA_ANY(action);
	r.textlen[4] = VARSIZE_ANY_EXHDR(action);
	r.text[5] = change_text;
	r.textlen[5] = strlen(change_text);

	initStringInfo(&buf);
	audit_compute(append_ctx, &buf, audit_head.hash, &r, hash);

	/* move the head: by address (see the header comment) */
	uv[0] = Int64GetDatum(r.seq);
	uv[1] = PointerGetDatum(hash_bytea(hash));
	uv[2] = PointerGetDatum(hash_bytea(audit_head.hash));
	uv[3] = TimestampTzGetDatum(r.recorded_at);
	uv[4] = PointerGetDatum(&audit_head.ctid);
	ret = SPI_execute_plan(plan_update, uv, NULL, false, 1);
	if (ret != SPI_OK_UPDATE_RETURNING || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the audit chain head moved unexpectedly")));
	audit_head.ctid = *(ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0],
																	SPI_tuptable->tupdesc, 1, &isnull));

	/* the record */
	memset(in, ' ', sizeof(in));
	iv[0] = Int64GetDatum(r.seq);
	iv[1] = TimestampTzGetDatum(r.recorded_at);
	iv[2] = CStringGetTextDatum(session_name);
	iv[3] = CStringGetTextDatum(role_name);
	iv[4] = Int32GetDatum(r.department_id);
	if (r.dept_null)
		in[4] = 'n';
	iv[5] = PointerGetDatum(object_kind);
	iv[6] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	if (PG_ARGISNULL(2))
		in[6] = 'n';
	iv[7] = PointerGetDatum(action);
	iv[8] = CStringGetTextDatum(change_text);	/* json is stored as its text */
	iv[9] = uv[2];
	iv[10] = uv[1];
	ret = SPI_execute_plan(plan_insert, iv, in, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "appending the audit record failed: %s", SPI_result_code_string(ret));

	audit_head.seq = r.seq;
	memcpy(audit_head.hash, hash, AUDIT_HASH_LEN);
	SPI_finish();

	PG_RETURN_INT64(r.seq);
}
