/*
 * append.c: sv.audit_append(), adding one record to the audit trail in the caller's
 * transaction.
 *
 * The trail is made of lanes: independent hash chains, each with a head row in sv.audit_lane.
 * A transaction's first append takes a lane with a try-lock (an advisory lock, key
 * AUDIT_LANE_LOCK_KEY and the lane number): first the lane numbered as its backend, which no
 * other live backend uses, then the lowest lane no other transaction holds.  It never waits:
 * a lane held by another open transaction (a prepared one, or a session that took its lock by
 * hand) is skipped.  It keeps the lane until it ends, so the lane's records form one chain with
 * no gap and no fork, written by one transaction at a time, and record numbers (seq, from
 * sv.audit_log_seq, taken under the lock) increase along the lane.  The lock is released only
 * after the commit is visible, so the next holder of the lane reads the head just written; it
 * reads and moves the head row under the latest snapshot, so REPEATABLE READ transactions
 * append too (their snapshot may predate the lane's last commit).
 *
 * The first append reads the head row by its primary key, hashes the record onto it and moves
 * the head row; further appends of the transaction keep the lane's end in memory and only
 * insert their record; the head row then takes the lane's last record once, just before commit
 * (or PREPARE).  So a transaction with one append writes two rows, and one with thousands one
 * each.  The first append's head update and every record's insert go to the heap and indexes
 * directly when no trigger, RLS, CHECK or index expression is involved (move_head_row,
 * insert_record): a statement's executor start-up cost more than the rest of the append.
 *
 * If a subtransaction aborts, its records are gone: the lane's end is read from the log again
 * at the next append (a lane found to end before the head it was locked at has lost records,
 * and nothing is appended to it), and if the aborted subtransaction was the one that took the
 * lock, the lock went with it and the next append takes a lane again.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit/audit.h"

typedef struct AuditHead
{
	bool		locked;			/* this transaction holds a lane */
	SubTransactionId lock_subid;	/* ... taken in this subtransaction */
	int32		lane;
	int64		locked_lane_seq;	/* the transaction's first record's lane_seq */
	int64		locked_seq;		/* ... and its seq */
	bool		valid;			/* the lane's end below is known */
	int64		lane_seq;
	int64		seq;
	uint8		hash[AUDIT_HASH_LEN];
	uint8		prev_hash[AUDIT_HASH_LEN];
	TimestampTz recorded_at;
	bool		dirty;			/* appended past the head row: write it before commit */
	Oid			writer;			/* the role that appended (the owner), to write the head as */
} AuditHead;

static AuditHead audit_head;
static ItemPointerData head_tid;	/* the head row read by read_head_row() */
static bool audit_callbacks_registered = false;
static SPIPlanPtr plan_genesis = NULL;
static SPIPlanPtr plan_update = NULL;
static SPIPlanPtr plan_end = NULL;
static SPIPlanPtr plan_insert = NULL;

static void write_head(void);

/*
 * The lane head this transaction will write at commit, if it has appended past the head row:
 * the verify walk of the same transaction compares the lane's end with this instead of the row.
 */
bool
audit_pending_head(int32 *lane, int64 *lane_seq, int64 *seq, uint8 *hash)
{
	if (!audit_head.dirty || !audit_head.valid)
		return false;
	*lane = audit_head.lane;
	*lane_seq = audit_head.lane_seq;
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
	/* its records are gone: read the lane's end from the log at the next append */
	audit_head.valid = false;
	if (audit_head.locked && audit_head.lock_subid == mySubid)
	{
		/*
		 * The lock was taken here (and is released with the subtransaction), so every record
		 * of the transaction came after it and is gone, and so is the head update: nothing is
		 * left to write at commit.
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
	if (plan_genesis == NULL)
	{
		Oid			genesis_types[2] = {INT4OID, BYTEAOID};

		plan_genesis = prepare_kept("INSERT INTO sv.audit_lane (lane, lane_seq, seq, hash, prev_hash) "
									"VALUES ($1, 0, 0, $2, $2) ON CONFLICT (lane) DO NOTHING",
									2, genesis_types);
	}
	if (plan_end == NULL)
	{
		Oid			end_types[2] = {INT4OID, INT8OID};

		plan_end = prepare_kept("SELECT l.lane_seq, l.seq, l.hash, l.prev_hash, l.recorded_at FROM sv.audit_log l "
								"WHERE l.seq OPERATOR(pg_catalog.>=) $2 AND l.lane OPERATOR(pg_catalog.=) $1 "
								"ORDER BY l.seq DESC LIMIT 1", 2, end_types);
	}
	if (plan_update == NULL)
	{
		Oid			update_types[6] = {INT4OID, INT8OID, INT8OID, BYTEAOID, BYTEAOID, TIMESTAMPTZOID};

		plan_update = prepare_kept("UPDATE sv.audit_lane h SET (lane_seq, seq, hash, prev_hash, recorded_at) = "
								   "($2, $3, $4, $5, $6) WHERE h.lane OPERATOR(pg_catalog.=) $1",
								   6, update_types);
	}
	if (plan_insert == NULL)
	{
		Oid			insert_types[13] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, INT4OID, TEXTOID,
		TEXTOID, TEXTOID, JSONOID, BYTEAOID, BYTEAOID, INT4OID, INT8OID};

		plan_insert = prepare_kept("INSERT INTO sv.audit_log (seq, recorded_at, actor_session, actor_role, "
								   "department_id, object_kind, object_id, action, change, prev_hash, hash, "
								   "lane, lane_seq) "
								   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
								   13, insert_types);
	}
}

static bytea *
hash_bytea(const uint8 *h)
{
	bytea	   *b = (bytea *) palloc(VARHDRSZ + AUDIT_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(b), h, AUDIT_HASH_LEN);
	return b;
}

static void
copy_hash(uint8 *dst, Datum d, bool isnull)
{
	bytea	   *b;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("audit lane %d has a record without a hash", audit_head.lane)));
	b = DatumGetByteaPP(d);
	if (VARSIZE_ANY_EXHDR(b) != AUDIT_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("audit lane %d has a hash of %d bytes", audit_head.lane,
						(int) VARSIZE_ANY_EXHDR(b))));
	memcpy(dst, VARDATA_ANY(b), AUDIT_HASH_LEN);
}

/* Try to take lane n for this transaction without waiting. */
static bool
try_lane(int32 n)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, AUDIT_LANE_LOCK_KEY, (uint32) n, 2);
	return LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL;
}

/* Take a lane: the backend's own number first, then the lowest free one.  Never waits. */
static void
take_lane(void)
{
	int32		lane = (MyBackendId > 0) ? MyBackendId : 1;

	if (!try_lane(lane))
	{
		for (lane = 1;; lane++)
		{
			CHECK_FOR_INTERRUPTS();
			if (lane == PG_INT32_MAX)
				elog(ERROR, "no free audit lane");
			if (try_lane(lane))
				break;
		}
	}
	audit_head.lane = lane;
	audit_head.locked = true;
	audit_head.lock_subid = GetCurrentSubTransactionId();
	audit_head.valid = false;
}

/* The next record number (sv.audit_log_seq), taken under the lane lock. */
static int64
next_seq(void)
{
	Oid			nsp = get_namespace_oid("sv", false);
	Oid			relid = get_relname_relid("audit_log_seq", nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "sequence sv.audit_log_seq does not exist");
	return nextval_internal(relid, false);
}

/* The lane's end as this transaction sees it now: its last record in the log. */
static void
read_end(void)
{
	Datum		v[2] = {Int32GetDatum(audit_head.lane), Int64GetDatum(audit_head.locked_seq)};
	int			ret = SPI_execute_plan(plan_end, v, NULL, false, 1);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading the end of the audit lane failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("audit lane %d has lost record " INT64_FORMAT,
						audit_head.lane, audit_head.locked_seq),
				 errhint("Records were removed; run sv.audit_verify() and investigate before appending.")));
	else
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		audit_head.lane_seq = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		audit_head.seq = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		copy_hash(audit_head.hash, SPI_getbinval(tup, desc, 3, &isnull), isnull);
		copy_hash(audit_head.prev_hash, SPI_getbinval(tup, desc, 4, &isnull), isnull);
		audit_head.recorded_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
	}
	/* records this transaction appended lie beyond the head; fewer records than it means loss */
	if (audit_head.lane_seq < audit_head.locked_lane_seq)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("audit lane %d ends at position " INT64_FORMAT " but its head is at " INT64_FORMAT,
						audit_head.lane, audit_head.lane_seq, audit_head.locked_lane_seq),
				 errhint("Records were removed; run sv.audit_verify() and investigate before appending.")));
	audit_head.valid = true;
}

/* The columns of the lane's head row (sv.audit_lane, in table order) from audit_head. */
static void
head_values(Datum *v)
{
	v[0] = Int32GetDatum(audit_head.lane);
	v[1] = Int64GetDatum(audit_head.lane_seq);
	v[2] = Int64GetDatum(audit_head.seq);
	v[3] = PointerGetDatum(hash_bytea(audit_head.hash));
	v[4] = PointerGetDatum(hash_bytea(audit_head.prev_hash));
	v[5] = TimestampTzGetDatum(audit_head.recorded_at);
}

/*
 * The lane's head row takes audit_head's values (the lane's last record), in one UPDATE under
 * the latest snapshot; inside SPI.
 */
static uint64
update_head_row(void)
{
	int			ret;
	Datum		v[6];
	char		n[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	head_values(v);
	/* fire_triggers: an AFTER trigger on the table runs at the end of this statement */
	ret = SPI_execute_snapshot(plan_update, v, n, GetLatestSnapshot(), InvalidSnapshot, false, true, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "writing the audit lane head failed: %s", SPI_result_code_string(ret));
	return SPI_processed;
}

/* Before commit: the lane's head row takes the values of its last record. */
static void
write_head(void)
{
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
	update_head_row();
	SPI_finish();
	PopActiveSnapshot();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	audit_head.dirty = false;
}

/*
 * Under REPEATABLE READ and SERIALIZABLE, a transaction whose snapshot predates the commit of
 * another audited transaction fails with a serialization error, as in 0.1.0: the write
 * functions check state in their snapshot after waiting for a lock (docs/security.md, the write
 * API pattern), and this is what stops the second of two such transactions.  The lanes' heads
 * only move forward, so the sum of their positions differs between the transaction's snapshot
 * and the latest one exactly when an append committed in between.  (Never a wait: it fails.)
 */
static void
check_snapshot_current(void)
{
	static SPIPlanPtr plan_sum = NULL;
	int64		sums[2];

	if (plan_sum == NULL)
		plan_sum = prepare_kept("SELECT pg_catalog.sum(h.lane_seq)::bigint FROM sv.audit_lane h", 0, NULL);
	for (int i = 0; i < 2; i++)
	{
		bool		isnull;
		int			ret = (i == 0)
			? SPI_execute_plan(plan_sum, NULL, NULL, true, 1)
			: SPI_execute_snapshot(plan_sum, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot, true, false, 1);

		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "reading the audit lane heads failed: %s", SPI_result_code_string(ret));
		sums[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (isnull)
			sums[i] = 0;
	}
	if (sums[0] != sums[1])
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent update"),
				 errdetail("An audited transaction committed after this transaction's snapshot was taken.")));
}

/*
 * The lane's head row as the latest snapshot sees it (the lane's previous holder committed
 * before its lock was released), read by its primary key without a statement: false when the
 * lane has no head row.  The row is only read here; the UPDATE that moves it checks the
 * privileges.
 */
static bool
read_head_row(void)
{
	Oid			nsp = get_namespace_oid("sv", false);
	Oid			relid = get_relname_relid("audit_lane", nsp);
	Oid			idxid = get_relname_relid("audit_lane_pkey", nsp);
	static const char *const cols[6] = {"lane", "lane_seq", "seq", "hash", "prev_hash", "recorded_at"};
	Relation	rel;
	Relation	idx;
	TupleDesc	desc;
	Snapshot	snapshot;
	ScanKeyData key;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found = false;

	if (!OidIsValid(relid) || !OidIsValid(idxid))
		elog(ERROR, "sv.audit_lane or its primary key does not exist");
	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	if (desc->natts != 6)
		elog(ERROR, "sv.audit_lane has %d columns, expected 6", desc->natts);
	for (int i = 0; i < 6; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), cols[i]) != 0)
			elog(ERROR, "sv.audit_lane column %d is \"%s\", expected \"%s\"", i + 1,
				 NameStr(TupleDescAttr(desc, i)->attname), cols[i]);
	idx = index_open(idxid, AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	slot = table_slot_create(rel, NULL);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(audit_head.lane));
	scan = index_beginscan(rel, idx, snapshot, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		d;

		found = true;
		d = slot_getattr(slot, 2, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("the head row of audit lane %d has no position", audit_head.lane)));
		audit_head.lane_seq = DatumGetInt64(d);
		d = slot_getattr(slot, 4, &isnull);
		copy_hash(audit_head.hash, d, isnull);
		head_tid = slot->tts_tid;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Move the head row just read (head_tid) to audit_head's values.  The UPDATE statement costs
 * more than the rest of an append; when nothing but the heap and the primary key is involved,
 * the row is updated directly, as the statement would: only if the role may update the table,
 * row-level security does not apply to it (the extension owner is a superuser), no trigger
 * fires on UPDATE and the primary key is the table's only index.  Otherwise, the statement.
 */
static void
move_head_row(void)
{
	Oid			relid = get_relname_relid("audit_lane", get_namespace_oid("sv", false));
	Relation	rel;
	List	   *indexes;
	bool		direct;

	if (!OidIsValid(relid))
		elog(ERROR, "sv.audit_lane does not exist");
	rel = table_open(relid, RowExclusiveLock);
	indexes = RelationGetIndexList(rel);
	direct = list_length(indexes) == 1 &&
		(rel->trigdesc == NULL ||
		 !(rel->trigdesc->trig_update_before_row || rel->trigdesc->trig_update_after_row ||
		   rel->trigdesc->trig_update_instead_row || rel->trigdesc->trig_update_before_statement ||
		   rel->trigdesc->trig_update_after_statement)) &&
		check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED &&
		pg_class_aclcheck(relid, GetUserId(), ACL_UPDATE) == ACLCHECK_OK &&
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
	if (direct)
	{
		Relation	idx = index_open(linitial_oid(indexes), RowExclusiveLock);

		if (idx->rd_index->indnatts == 1 && idx->rd_index->indkey.values[0] == 1 &&
			RelationGetIndexExpressions(idx) == NIL &&
			RelationGetIndexPredicate(idx) == NIL)
		{
			Datum		v[6];
			bool		n[6] = {false, false, false, false, false, false};
			HeapTuple	tup;

			CheckCmdReplicaIdentity(rel, CMD_UPDATE);
			head_values(v);
			tup = heap_form_tuple(RelationGetDescr(rel), v, n);
			simple_heap_update(rel, &head_tid, tup);
			/* the key is unchanged: a new index entry only when the update was not HOT */
			if (!HeapTupleIsHeapOnly(tup))
				index_insert(idx, v, n, &tup->t_self, rel, UNIQUE_CHECK_YES, true,
							 BuildIndexInfo(idx));
			heap_freetuple(tup);
		}
		else
			direct = false;
		index_close(idx, NoLock);
	}
	table_close(rel, NoLock);
	if (direct)
		CommandCounterIncrement();
	else if (update_head_row() != 1)
		elog(ERROR, "the audit lane head could not be moved");
}

/*
 * Whether an index predicate is audit_log_lane_start_idx's, lane_seq = 1 (an int8 = int8 or
 * int8 = int4 comparison of column 13 with the constant 1): the direct insert below evaluates it
 * itself.
 */
static bool
lane_start_predicate(List *pred)
{
	OpExpr	   *op;
	Var		   *var;
	Const	   *c;
	Oid			fn;

	if (list_length(pred) != 1 || !IsA(linitial(pred), OpExpr))
		return false;
	op = linitial_node(OpExpr, pred);
	if (list_length(op->args) != 2 || !IsA(linitial(op->args), Var) || !IsA(lsecond(op->args), Const))
		return false;
	var = linitial_node(Var, op->args);
	c = lsecond_node(Const, op->args);
	fn = get_opcode(op->opno);
	if (var->varattno != 13 || c->constisnull)
		return false;
	if (fn == F_INT84EQ && c->consttype == INT4OID)
		return DatumGetInt32(c->constvalue) == 1;
	if (fn == F_INT8EQ && c->consttype == INT8OID)
		return DatumGetInt64(c->constvalue) == 1;
	return false;
}

/*
 * Insert the record (the 13 columns of sv.audit_log, nulls as SPI's ' '/'n').  The INSERT
 * statement's setup costs as much as the rest of the append, so the row goes to the heap and
 * its indexes directly, as the statement would put it there, when nothing else is involved:
 * the role may insert, row-level security does not apply to it, no trigger fires on INSERT
 * (so no foreign key either), no CHECK constraint, every index plain and immediate (or
 * audit_log_lane_start_idx, whose predicate is evaluated here), and the table has exactly these
 * columns.  Otherwise, the statement.
 */
static void
insert_record(Datum *v, const char *nulls)
{
	static const char *const cols[13] = {"seq", "recorded_at", "actor_session", "actor_role",
		"department_id", "object_kind", "object_id", "action", "change", "prev_hash", "hash",
	"lane", "lane_seq"};
	Oid			relid = get_relname_relid("audit_log", get_namespace_oid("sv", false));
	Relation	rel;
	TupleDesc	desc;
	TriggerDesc *trig;
	bool		n[13];
	bool		direct;
	List	   *indexes = NIL;
	Relation	idx[8];
	IndexInfo  *info[8];
	int			nidx = 0;

	if (!OidIsValid(relid))
		elog(ERROR, "sv.audit_log does not exist");
	for (int i = 0; i < 13; i++)
		n[i] = (nulls[i] == 'n');
	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);
	trig = rel->trigdesc;
	direct = rel->rd_rel->relkind == RELKIND_RELATION && desc->natts == 13 &&
		(desc->constr == NULL || desc->constr->num_check == 0) &&
		(trig == NULL ||
		 !(trig->trig_insert_before_row || trig->trig_insert_after_row ||
		   trig->trig_insert_instead_row || trig->trig_insert_before_statement ||
		   trig->trig_insert_after_statement || trig->trig_insert_new_table)) &&
		check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED &&
		pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) == ACLCHECK_OK;
	for (int i = 0; direct && i < 13; i++)
		direct = strcmp(NameStr(TupleDescAttr(desc, i)->attname), cols[i]) == 0 &&
			!TupleDescAttr(desc, i)->attisdropped &&
			!(n[i] && TupleDescAttr(desc, i)->attnotnull);
	if (direct)
	{
		ListCell   *lc;

		indexes = RelationGetIndexList(rel);
		direct = list_length(indexes) <= lengthof(idx);
		foreach(lc, indexes)
		{
			if (!direct)
				break;
			idx[nidx] = index_open(lfirst_oid(lc), RowExclusiveLock);
			info[nidx] = BuildIndexInfo(idx[nidx]);
			direct = info[nidx]->ii_Expressions == NIL &&
				(info[nidx]->ii_Predicate == NIL || lane_start_predicate(info[nidx]->ii_Predicate)) &&
				info[nidx]->ii_ExclusionOps == NULL && idx[nidx]->rd_index->indimmediate &&
				idx[nidx]->rd_index->indisready;
			nidx++;
		}
	}
	if (direct)
	{
		HeapTuple	tup = heap_form_tuple(desc, v, n);
		TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);

		CheckCmdReplicaIdentity(rel, CMD_INSERT);
		simple_heap_insert(rel, tup);
		ExecStoreHeapTuple(tup, slot, false);
		for (int i = 0; i < nidx; i++)
		{
			Datum		iv[INDEX_MAX_KEYS];
			bool		in[INDEX_MAX_KEYS];

			/* audit_log_lane_start_idx holds only each lane's first record */
			if (info[i]->ii_Predicate != NIL && (n[12] || DatumGetInt64(v[12]) != 1))
				continue;
			FormIndexDatum(info[i], slot, NULL, iv, in);
			index_insert(idx[i], iv, in, &tup->t_self, rel,
						 idx[i]->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
						 false, info[i]);
		}
		ExecDropSingleTupleTableSlot(slot);
		heap_freetuple(tup);
	}
	for (int i = 0; i < nidx; i++)
		index_close(idx[i], NoLock);
	table_close(rel, NoLock);
	if (direct)
		CommandCounterIncrement();
	else
	{
		int			ret = SPI_execute_plan(plan_insert, v, nulls, false, 0);

		if (ret != SPI_OK_INSERT)
			elog(ERROR, "appending the audit record failed: %s", SPI_result_code_string(ret));
	}
}

/*
 * The transaction's first append: take a lane, read its head (creating the head row on the
 * lane's very first append), hash the record onto it and move the head, in one UPDATE with
 * the new values.  Fills r's place and time and hash.
 */
static void
first_append(AuditRecord *r, uint8 *hash)
{

	if (IsolationUsesXactSnapshot())
		check_snapshot_current();
	take_lane();

	if (!read_head_row())
	{
		Datum		g[2];
		Oid			lane_type[1] = {INT4OID};
		int			ret;

		/*
		 * A new lane: unless its head row was removed while its records remain, which must not
		 * start the lane a second time.  Its first record is looked up in the partial index
		 * audit_log_lane_start_idx (one entry per lane), not by reading the log.
		 */
		memset(audit_head.hash, 0, AUDIT_HASH_LEN);
		g[0] = Int32GetDatum(audit_head.lane);
		g[1] = PointerGetDatum(hash_bytea(audit_head.hash));
		ret = SPI_execute_with_args("SELECT 1 FROM sv.audit_log l WHERE l.lane OPERATOR(pg_catalog.=) $1 "
									"AND l.lane_seq OPERATOR(pg_catalog.=) 1 LIMIT 1",
									1, lane_type, g, NULL, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "reading the audit lane failed: %s", SPI_result_code_string(ret));
		if (SPI_processed > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("audit lane %d has records but no head row", audit_head.lane),
					 errhint("Run sv.audit_verify() and investigate.")));
		ret = SPI_execute_snapshot(plan_genesis, g, NULL, GetLatestSnapshot(),
								   InvalidSnapshot, false, true, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "creating the audit lane head failed: %s", SPI_result_code_string(ret));
		CommandCounterIncrement();
		if (!read_head_row())
			elog(ERROR, "the audit lane head could not be created");
	}

	r->seq = next_seq();
	r->lane = audit_head.lane;
	r->lane_seq = audit_head.lane_seq + 1;
	r->recorded_at = GetCurrentTimestamp();	/* read while the lane is held */
	audit_digest(audit_head.hash, r, hash);

	memcpy(audit_head.prev_hash, audit_head.hash, AUDIT_HASH_LEN);
	memcpy(audit_head.hash, hash, AUDIT_HASH_LEN);
	audit_head.lane_seq = r->lane_seq;
	audit_head.seq = r->seq;
	audit_head.recorded_at = r->recorded_at;
	move_head_row();

	/* the first record stays as long as the lock does: the lane never ends before it again */
	audit_head.locked_lane_seq = r->lane_seq;
	audit_head.locked_seq = r->seq;
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
	Datum		prev_hash;
	Datum		new_hash;
	Datum		iv[13];
	char		in[13];

	/* a database still at 0.1.0 (not yet updated) has one chain and no lanes */
	if (!audit_head.locked &&
		!OidIsValid(get_relname_relid("audit_lane", get_namespace_oid("sv", false))))
		return audit_append_v1(fcinfo);

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

	r.v2 = true;
	if (!audit_head.locked)
	{
		first_append(&r, hash);
		prev_hash = PointerGetDatum(hash_bytea(audit_head.prev_hash));
		new_hash = PointerGetDatum(hash_bytea(hash));
	}
	else
	{
		if (!audit_head.valid)
		{
			read_end();
			audit_head.dirty = true;
		}
		r.seq = next_seq();
		r.lane = audit_head.lane;
		r.lane_seq = audit_head.lane_seq + 1;
		r.recorded_at = GetCurrentTimestamp();	/* the lock is held: never goes backwards */
		if (r.recorded_at < audit_head.recorded_at)
			r.recorded_at = audit_head.recorded_at;
		audit_digest(audit_head.hash, &r, hash);
		prev_hash = PointerGetDatum(hash_bytea(audit_head.hash));
		new_hash = PointerGetDatum(hash_bytea(hash));
		memcpy(audit_head.prev_hash, audit_head.hash, AUDIT_HASH_LEN);
		memcpy(audit_head.hash, hash, AUDIT_HASH_LEN);
		audit_head.dirty = true;
	}
	audit_head.lane_seq = r.lane_seq;
	audit_head.recorded_at = r.recorded_at;
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
	iv[11] = Int32GetDatum(r.lane);
	iv[12] = Int64GetDatum(r.lane_seq);
	insert_record(iv, in);

	audit_head.seq = r.seq;
	SPI_finish();

	PG_RETURN_INT64(r.seq);
}
