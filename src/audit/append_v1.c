/*
 * append_v1.c: sv.audit_append() on a database whose extension is still at 0.1.0 (one chain,
 * its head in sv.audit_chain, no lanes), until ALTER EXTENSION sv_platform UPDATE: the 0.1.0
 * code, unchanged but for its names.  append.c calls it when sv.audit_lane does not exist.
 *
 * The chain head is one row (sv.audit_chain).  The first append of a transaction locks it and
 * moves it in one UPDATE that also computes the record's hash from the head's values (so it
 * waits for a concurrent appender's commit or abort and then links to its record; under
 * REPEATABLE READ a concurrent append is a serialization failure, never a fork).  Further
 * appends of the transaction keep the chain's end in memory and only insert their record; the
 * head row then takes the log's last record once, just before commit (or PREPARE).  So a
 * transaction with one append runs two statements, and one with thousands runs one each.
 *
 * If a subtransaction aborts, its records are gone: the chain end is read from the log again
 * at the next append (a log found to end before the head it was locked at has lost records,
 * and nothing is appended to it), and if the aborted subtransaction was the one that took the
 * lock, the next append takes it again with the first-append UPDATE.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit/audit.h"

typedef struct AuditHead
{
	bool		locked;			/* this transaction holds the head row lock */
	SubTransactionId lock_subid;	/* ... taken in this subtransaction */
	int64		locked_seq;		/* the head row's seq when locked */
	bool		valid;			/* seq and hash below are the chain's end */
	int64		seq;
	uint8		hash[AUDIT_HASH_LEN];
	bool		dirty;			/* appended: write the head before commit */
	Oid			writer;			/* the role that appended (the owner), to write the head as */
} AuditHead;

static AuditHead audit_head;
static bool audit_callbacks_registered = false;
static SPIPlanPtr plan_lock = NULL;
static SPIPlanPtr plan_first = NULL;
static SPIPlanPtr plan_genesis = NULL;
static SPIPlanPtr plan_update = NULL;
static SPIPlanPtr plan_end = NULL;
static SPIPlanPtr plan_insert = NULL;

static void write_head(void);

/*
 * The head this transaction will write at commit, if it has appended past the head row: the
 * verify walk of the same transaction compares the log's end with this instead of the row.
 */
bool
audit_pending_head_v1(int64 *seq, uint8 *hash)
{
	if (!audit_head.dirty || !audit_head.valid)
		return false;
	*seq = audit_head.seq;
	memcpy(hash, audit_head.hash, AUDIT_HASH_LEN);
	return true;
}

static void
audit_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (audit_head.dirty)
				write_head();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
			memset(&audit_head, 0, sizeof(audit_head));
			break;
		default:
			break;
	}
}

static void
audit_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		/* RELEASE: the lock now belongs to the parent, and goes if the parent aborts */
		if (audit_head.locked && audit_head.lock_subid == mySubid)
			audit_head.lock_subid = parentSubid;
		return;
	}
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	/* its records are gone: read the chain's end from the log at the next append */
	audit_head.valid = false;
	if (audit_head.locked && audit_head.lock_subid == mySubid)
	{
		/*
		 * The lock was taken here, so every record of the transaction came after it and is
		 * gone, and so is the head update: nothing is left to write at commit.
		 */
		audit_head.locked = false;
		audit_head.dirty = false;
	}
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
	Oid			genesis_types[1] = {BYTEAOID};
	Oid			insert_types[11] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, INT4OID, TEXTOID,
	TEXTOID, TEXTOID, JSONOID, BYTEAOID, BYTEAOID};

	if (plan_first == NULL)
	{
		Oid			first_types[7] = {TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};

		/* lock and move the head in one statement, hashing with the head's own values */
		plan_first = prepare_kept("UPDATE sv.audit_chain h SET (seq, prev_hash, recorded_at, hash) = "
								  "(SELECT h.seq OPERATOR(pg_catalog.+) 1, h.hash, t.at, "
								  "sv._audit_hash(h.hash, h.seq OPERATOR(pg_catalog.+) 1, t.at, $1, $2, $3, $4, $5, $6, $7) "
								  "FROM (SELECT pg_catalog.clock_timestamp() AS at) t) "
								  "WHERE h.singleton RETURNING h.seq, h.prev_hash, h.hash, h.recorded_at",
								  7, first_types);
	}
	if (plan_lock == NULL)
		plan_lock = prepare_kept("SELECT h.seq, h.hash, h.ctid FROM sv.audit_chain h "
								 "WHERE h.singleton FOR UPDATE", 0, NULL);
	if (plan_genesis == NULL)
		plan_genesis = prepare_kept("INSERT INTO sv.audit_chain (singleton, seq, hash, prev_hash) "
									"VALUES (true, 0, $1, $1) ON CONFLICT (singleton) DO NOTHING",
									1, genesis_types);
	if (plan_end == NULL)
		plan_end = prepare_kept("SELECT l.seq, l.hash FROM sv.audit_log l ORDER BY l.seq DESC LIMIT 1",
								0, NULL);
	if (plan_update == NULL)
		plan_update = prepare_kept("UPDATE sv.audit_chain h SET (seq, hash, prev_hash, recorded_at) = "
								   "(SELECT l.seq, l.hash, l.prev_hash, l.recorded_at FROM sv.audit_log l "
								   "ORDER BY l.seq DESC LIMIT 1) WHERE h.singleton", 0, NULL);
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

/* Lock the head row (creating it, genesis, on the very first append) and note its seq. */
static void
lock_head(void)
{
	for (int attempt = 0; attempt < 2; attempt++)
	{
		int			ret = SPI_execute_plan(plan_lock, NULL, NULL, false, 1);

		if (ret != SPI_OK_SELECT)
			elog(ERROR, "locking the audit chain head failed: %s", SPI_result_code_string(ret));
		if (SPI_processed == 1)
		{
			bool		isnull;

			audit_head.locked_seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
																SPI_tuptable->tupdesc, 1, &isnull));
			audit_head.locked = true;
			audit_head.lock_subid = GetCurrentSubTransactionId();
			audit_head.valid = false;
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

/* The chain's end as this transaction sees it now: the last record of the log. */
static void
read_end(void)
{
	int			ret = SPI_execute_plan(plan_end, NULL, NULL, false, 1);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading the end of the audit log failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		audit_head.seq = 0;
		memset(audit_head.hash, 0, AUDIT_HASH_LEN);
	}
	else
	{
		bool		isnull;
		bytea	   *h;

		audit_head.seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		h = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (isnull || VARSIZE_ANY_EXHDR(h) != AUDIT_HASH_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("audit record " INT64_FORMAT " has no valid hash", audit_head.seq)));
		memcpy(audit_head.hash, VARDATA_ANY(h), AUDIT_HASH_LEN);
	}
	/* records this transaction appended lie beyond the head; fewer records than it means loss */
	if (audit_head.seq < audit_head.locked_seq)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the audit log ends at record " INT64_FORMAT " but its head is at " INT64_FORMAT,
						audit_head.seq, audit_head.locked_seq),
				 errhint("Records were removed; run sv.audit_verify() and investigate before appending.")));
	audit_head.valid = true;
}

/* Before commit: the head row takes the values of the log's last record. */
static void
write_head(void)
{
	int			ret;

	Oid			save_userid;
	int			save_sec_context;

	/*
	 * At commit the SECURITY DEFINER write function has returned: the session may be running
	 * as an application role.  Write as the role that appended.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(audit_head.writer, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(plan_update, NULL, NULL, false, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "writing the audit chain head failed: %s", SPI_result_code_string(ret));
	SPI_finish();
	PopActiveSnapshot();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	audit_head.dirty = false;
}

/*
 * The transaction's first append: lock and move the head in one statement (creating it on the
 * very first append ever), which fills r's seq and time and gives the two hashes.
 */
static void
first_append(AuditRecord *r, Datum object_id, Datum *prev_hash, Datum *new_hash)
{
	Datum		v[7];
	char		n[7];
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;

	memset(n, ' ', sizeof(n));
	v[0] = PointerGetDatum(cstring_to_text_with_len(r->text[0], r->textlen[0]));
	v[1] = PointerGetDatum(cstring_to_text_with_len(r->text[1], r->textlen[1]));
	v[2] = Int32GetDatum(r->department_id);
	if (r->dept_null)
		n[2] = 'n';
	v[3] = PointerGetDatum(cstring_to_text_with_len(r->text[2], r->textlen[2]));
	v[4] = object_id;
	if (r->text[3] == NULL)
		n[4] = 'n';
	v[5] = PointerGetDatum(cstring_to_text_with_len(r->text[4], r->textlen[4]));
	v[6] = PointerGetDatum(cstring_to_text_with_len(r->text[5], r->textlen[5]));

	for (int attempt = 0; attempt < 2; attempt++)
	{
		int			ret = SPI_execute_plan(plan_first, v, n, false, 1);

		if (ret != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "moving the audit chain head failed: %s", SPI_result_code_string(ret));
		if (SPI_processed == 1)
			break;
		if (attempt == 0)
		{
			/* no head yet: create it (lock_head does, and checks the log is empty) */
			lock_head();
			audit_head.locked = false;
		}
		else
			elog(ERROR, "the audit chain head could not be created");
	}

	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	r->seq = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	*prev_hash = PointerGetDatum(DatumGetByteaPCopy(SPI_getbinval(tup, desc, 2, &isnull)));
	*new_hash = PointerGetDatum(DatumGetByteaPCopy(SPI_getbinval(tup, desc, 3, &isnull)));
	r->recorded_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));

	memcpy(audit_head.hash, VARDATA_ANY(DatumGetPointer(*new_hash)), AUDIT_HASH_LEN);
	audit_head.locked = true;
	audit_head.lock_subid = GetCurrentSubTransactionId();
	audit_head.locked_seq = r->seq - 1;
	audit_head.valid = true;
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
 *                 change jsonb) returns bigint, 0.1.0 schema
 */
Datum
audit_append_v1(PG_FUNCTION_ARGS)
{
	text	   *object_kind;
	text	   *action;
	Jsonb	   *change;
	char	   *change_text;
	char	   *session_name;
	char	   *role_name;
	AuditRecord r;
	uint8		hash[AUDIT_HASH_LEN];
	Datum		prev_hash;
	Datum		new_hash;
	Datum		iv[11];
	char		in[11];
	int			ret;

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
	session_name = GetUserNameFromId(GetSessionUserId(), false);
	role_name = GetUserNameFromId(GetOuterUserId(), false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	prepare_plans();

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
	r.v2 = false;

	if (!audit_head.locked)
		first_append(&r, PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2), &prev_hash, &new_hash);
	else
	{
		if (!audit_head.valid)
		{
			read_end();
			audit_head.dirty = true;
		}
		r.seq = audit_head.seq + 1;
		r.recorded_at = GetCurrentTimestamp();	/* the lock is held: never goes backwards */
		audit_digest(audit_head.hash, &r, hash);
		prev_hash = PointerGetDatum(hash_bytea(audit_head.hash));
		new_hash = PointerGetDatum(hash_bytea(hash));
		memcpy(audit_head.hash, hash, AUDIT_HASH_LEN);
		audit_head.dirty = true;
	}
	/* appends run as the owner (inside write functions): the head is written as that role */
	audit_head.writer = GetUserId();

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
	iv[9] = prev_hash;
	iv[10] = new_hash;
	ret = SPI_execute_plan(plan_insert, iv, in, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "appending the audit record failed: %s", SPI_result_code_string(ret));

	audit_head.seq = r.seq;
	SPI_finish();

	PG_RETURN_INT64(r.seq);
}
