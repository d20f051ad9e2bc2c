/*
 * audit.c: the hash-chained audit trail (区块链-style tamper evidence) in C.
 *
 * Every record's hash is SHA-256 over a domain tag, the previous record's hash and a canonical
 * encoding of the record (docs/audit.md defines it so an outside party can recompute it):
 *
 *   hash = SHA-256( "sv_platform/audit/v1" 0x00 || prev_hash (32 bytes) ||
 *                   field(seq) || field(recorded_at) || field(actor_session) ||
 *                   field(actor_role) || field(department_id) || field(object_kind) ||
 *                   field(object_id) || field(action) || field(change) )
 *   field(NULL) = 0x00
 *   field(v)    = 0x01 || uint32 big-endian byte length || UTF-8 bytes of v
 *
 * with seq and department_id in decimal, recorded_at as decimal microseconds since
 * 1970-01-01 00:00:00 UTC, and change as the stored JSON text.
 *
 * sv.audit_append() and sv._audit_hash() hash with audit_digest() (sha256.c); sv.audit_verify() reads
 * the log in one sequential scan from its first block (no SPI, one hash context) and reports
 * each lane's first broken link.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "lib/stringinfo.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "audit/audit.h"


/* Columns of sv.audit_log, in table order (checked against the catalog in audit_verify) */
enum
{
	AL_SEQ = 0, AL_RECORDED_AT, AL_ACTOR_SESSION, AL_ACTOR_ROLE, AL_DEPARTMENT_ID,
	AL_OBJECT_KIND, AL_OBJECT_ID, AL_ACTION, AL_CHANGE, AL_PREV_HASH, AL_HASH, AL_LANE, AL_LANE_SEQ,
	AL_NCOLS
};
static const char *const audit_log_columns[AL_NCOLS] = {
	"seq", "recorded_at", "actor_session", "actor_role", "department_id",
	"object_kind", "object_id", "action", "change", "prev_hash", "hash", "lane", "lane_seq"
};

/* The canonical encoding: audit_encode, encode.c; its hash: audit_digest, sha256.c. */

/*
 * The backend's SHA-256 context, created once: creating one per record or per call costs more
 * than hashing a record.  It belongs to a resource owner of its own, never released, instead
 * of the transaction's, which would free it (and warn of a leak) at the first commit.
 */
pg_cryptohash_ctx *
audit_shared_ctx(void)
{
	static pg_cryptohash_ctx *shared_ctx = NULL;
	static ResourceOwner shared_owner = NULL;

	if (shared_ctx == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		ResourceOwner oldowner = CurrentResourceOwner;

		if (shared_owner == NULL)
			shared_owner = ResourceOwnerCreate(NULL, "sv_platform audit hashing");
		CurrentResourceOwner = shared_owner;
		shared_ctx = audit_hash_ctx();
		CurrentResourceOwner = oldowner;
		MemoryContextSwitchTo(oldcxt);
	}
	return shared_ctx;
}

pg_cryptohash_ctx *
audit_hash_ctx(void)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return ctx;
}

static void
set_text(AuditRecord *r, int i, Datum d, bool isnull)
{
	if (isnull)
	{
		r->text[i] = NULL;
		r->textlen[i] = 0;
	}
	else
	{
		text	   *t = DatumGetTextPP(d);

		r->text[i] = VARDATA_ANY(t);
		r->textlen[i] = VARSIZE_ANY_EXHDR(t);
	}
}

/*
 * The record given as the arguments of sv._audit_hash (v1) or sv._audit_hash2 (v2, with lane
 * and lane_seq after seq), hashed onto prev.
 */
static Datum
hash_args(FunctionCallInfo fcinfo, bool v2)
{
	int			k = v2 ? 2 : 0;		/* lane and lane_seq shift the later arguments */
	bytea	   *prev;
	AuditRecord r;
	uint8		out[AUDIT_HASH_LEN];
	StringInfoData buf;
	bytea	   *result;

	for (int i = 0; i < 3 + k; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg(v2 ? "prev_hash, seq, lane, lane_seq and recorded_at must not be null"
							: "prev_hash, seq and recorded_at must not be null")));
	prev = PG_GETARG_BYTEA_PP(0);
	if (VARSIZE_ANY_EXHDR(prev) != AUDIT_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("prev_hash must be %d bytes, not %d",
						AUDIT_HASH_LEN, (int) VARSIZE_ANY_EXHDR(prev))));

	r.v2 = v2;
	r.seq = PG_GETARG_INT64(1);
	r.lane = v2 ? PG_GETARG_INT32(2) : 0;
	r.lane_seq = v2 ? PG_GETARG_INT64(3) : 0;
	r.recorded_at = PG_GETARG_TIMESTAMPTZ(2 + k);
	set_text(&r, 0, PG_GETARG_DATUM(3 + k), PG_ARGISNULL(3 + k));
	set_text(&r, 1, PG_GETARG_DATUM(4 + k), PG_ARGISNULL(4 + k));
	r.dept_null = PG_ARGISNULL(5 + k);
	r.department_id = r.dept_null ? 0 : PG_GETARG_INT32(5 + k);
	for (int i = 2; i < 6; i++)
		set_text(&r, i, PG_GETARG_DATUM(4 + i + k), PG_ARGISNULL(4 + i + k));

	initStringInfo(&buf);
	audit_digest(&buf, (const uint8 *) VARDATA_ANY(prev), &r, out);
	pfree(buf.data);

	result = (bytea *) palloc(VARHDRSZ + AUDIT_HASH_LEN);
	SET_VARSIZE(result, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(result), out, AUDIT_HASH_LEN);
	PG_RETURN_BYTEA_P(result);
}

/*
 * sv._audit_hash(prev bytea, seq, recorded_at, actor_session, actor_role, department_id,
 *                object_kind, object_id, action, change text) returns bytea
 */
PG_FUNCTION_INFO_V1(sv_audit_hash);
Datum
sv_audit_hash(PG_FUNCTION_ARGS)
{
	return hash_args(fcinfo, false);
}

/*
 * sv._audit_hash2(prev bytea, seq, lane, lane_seq, recorded_at, actor_session, actor_role,
 *                 department_id, object_kind, object_id, action, change text) returns bytea
 */
PG_FUNCTION_INFO_V1(sv_audit_hash2);
Datum
sv_audit_hash2(PG_FUNCTION_ARGS)
{
	return hash_args(fcinfo, true);
}

static Oid
audit_relid(const char *relname)
{
	Oid			nsp = get_namespace_oid("sv", false);
	Oid			relid = get_relname_relid(relname, nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "relation sv.%s does not exist", relname);
	return relid;
}

static char *
hex(const uint8 *b, int len)
{
	char	   *s = palloc(len * 2 + 1);

	for (int i = 0; i < len; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	return s;
}

static bool
bytea_is_hash(Datum d, bool isnull, uint8 *out)
{
	bytea	   *b;

	if (isnull)
		return false;
	b = DatumGetByteaPP(d);
	if (VARSIZE_ANY_EXHDR(b) != AUDIT_HASH_LEN)
		return false;
	memcpy(out, VARDATA_ANY(b), AUDIT_HASH_LEN);
	return true;
}

/* What verify knows of one lane. */
typedef struct LaneState
{
	int32		lane;			/* hash key; 0: the 0.1.0 chain */
	bool		has_head;		/* a head row names a last record */
	bool		head_row;		/* a head row exists (even with no record yet) */
	int64		head_lane_seq;
	int64		head_seq;
	uint8		head_hash[AUDIT_HASH_LEN];
	bool		started;		/* a record of the lane has been linked */
	int64		expect;			/* the next position to link */
	int64		last_seq;		/* seq of the last linked record */
	uint8		prev[AUDIT_HASH_LEN];	/* hash of the last linked record */
	int64		beyond_first;	/* seq of the first record beyond the head (0: none) */
	int64		beyond_last_pos;
	int64		nbeyond;
	int64		nwaiting;		/* records buffered, waiting for their predecessor */
	bool		broken;			/* a problem was found: the lane's later records are ignored */
	int64		problem_seq;
	char	   *problem;
	char	   *detail;
} LaneState;

/* A record that arrived before its predecessor (heap order) */
typedef struct WaitKey
{
	int32		lane;
	int64		pos;
} WaitKey;

typedef struct WaitEntry
{
	WaitKey		key;
	int64		seq;
	bool		hash_ok;
	uint8		stored_prev[AUDIT_HASH_LEN];
	uint8		hash[AUDIT_HASH_LEN];	/* stored (== computed when hash_ok) */
	uint8		computed[AUDIT_HASH_LEN];
} WaitEntry;

static void
lane_problem(LaneState *ls, int64 seq, const char *problem, char *detail)
{
	if (ls->broken)
		return;
	ls->broken = true;
	ls->problem_seq = seq;
	ls->problem = (char *) problem;
	ls->detail = detail;
}

static const char *
lane_name(int32 lane)
{
	return lane == 0 ? "the 0.1.0 chain" : psprintf("lane %d", lane);
}

/* Link one record (in position order) to its lane; false when the lane broke. */
static bool
link_record(LaneState *ls, int64 pos, int64 seq, const uint8 *stored_prev, bool hash_ok,
			const uint8 *hash, const uint8 *computed)
{
	if (memcmp(stored_prev, ls->prev, AUDIT_HASH_LEN) != 0)
	{
		lane_problem(ls, seq, "prev_hash",
					 psprintf("record " INT64_FORMAT " does not link to the hash of the record before it in %s (%s)",
							  seq, lane_name(ls->lane), hex(ls->prev, AUDIT_HASH_LEN)));
		return false;
	}
	if (!hash_ok)
	{
		lane_problem(ls, seq, "hash",
					 psprintf("record " INT64_FORMAT " was altered: its content hashes to %s, not to the stored hash",
							  seq, hex(computed, AUDIT_HASH_LEN)));
		return false;
	}
	if (ls->has_head && pos > ls->head_lane_seq)
	{
		if (ls->nbeyond == 0)
			ls->beyond_first = seq;
		ls->nbeyond++;
		ls->beyond_last_pos = pos;
	}
	memcpy(ls->prev, hash, AUDIT_HASH_LEN);
	ls->expect = pos + 1;
	ls->last_seq = seq;
	ls->started = true;
	return true;
}

static LaneState *
lane_get(HTAB *lanes, int32 lane)
{
	bool		found;
	LaneState  *ls = hash_search(lanes, &lane, HASH_ENTER, &found);

	if (!found)
	{
		memset(((char *) ls) + sizeof(int32), 0, sizeof(LaneState) - sizeof(int32));
		ls->expect = 1;
	}
	return ls;
}

/* Read the lane heads (sv.audit_lane, and sv.audit_chain as lane 0) into lanes. */
static void
load_heads(HTAB *lanes, Snapshot snapshot)
{
	const char *tables[2] = {"audit_chain", "audit_lane"};

	for (int t = 0; t < 2; t++)
	{
		Oid			headid = get_relname_relid(tables[t], get_namespace_oid("sv", false));
		AttrNumber	lane_att;
		AttrNumber	lane_seq_att;
		AttrNumber	seq_att;
		AttrNumber	hash_att;
		Relation	head;
		TableScanDesc hscan;
		TupleTableSlot *hslot;

		if (!OidIsValid(headid))
			continue;			/* 0.1.0: no sv.audit_lane */
		lane_att = (t == 0) ? InvalidAttrNumber : get_attnum(headid, "lane");
		lane_seq_att = (t == 0) ? get_attnum(headid, "seq") : get_attnum(headid, "lane_seq");
		seq_att = get_attnum(headid, "seq");
		hash_att = get_attnum(headid, "hash");
		head = table_open(headid, AccessShareLock);
		hscan = table_beginscan(head, snapshot, 0, NULL);
		hslot = table_slot_create(head, NULL);
		while (table_scan_getnextslot(hscan, ForwardScanDirection, hslot))
		{
			bool		isnull;
			int32		lane = (t == 0) ? 0 : DatumGetInt32(slot_getattr(hslot, lane_att, &isnull));
			LaneState  *ls = lane_get(lanes, lane);
			Datum		hh;

			ls->head_row = true;
			ls->head_lane_seq = DatumGetInt64(slot_getattr(hslot, lane_seq_att, &isnull));
			ls->head_seq = DatumGetInt64(slot_getattr(hslot, seq_att, &isnull));
			hh = slot_getattr(hslot, hash_att, &isnull);
			if (!bytea_is_hash(hh, isnull, ls->head_hash))
				memset(ls->head_hash, 0xff, AUDIT_HASH_LEN);	/* matches nothing */
			ls->has_head = ls->head_lane_seq > 0;
		}
		ExecDropSingleTupleTableSlot(hslot);
		table_endscan(hscan);
		table_close(head, AccessShareLock);
	}
	/* this transaction's own appends move its lane's head row only at commit */
	{
		int32		lane;
		int64		lane_seq;
		int64		seq;
		uint8		hash[AUDIT_HASH_LEN];

		if (audit_pending_head_v1(&seq, hash))
		{
			LaneState  *ls = lane_get(lanes, 0);

			ls->head_row = true;
			ls->has_head = true;
			ls->head_lane_seq = seq;
			ls->head_seq = seq;
			memcpy(ls->head_hash, hash, AUDIT_HASH_LEN);
		}
		if (audit_pending_head(&lane, &lane_seq, &seq, hash))
		{
			LaneState  *ls = lane_get(lanes, lane);

			ls->head_row = true;
			ls->has_head = true;
			ls->head_lane_seq = lane_seq;
			ls->head_seq = seq;
			memcpy(ls->head_hash, hash, AUDIT_HASH_LEN);
		}
	}
}

static int
problem_cmp(const void *a, const void *b)
{
	const LaneState *x = *(LaneState *const *) a;
	const LaneState *y = *(LaneState *const *) b;

	if (x->problem_seq != y->problem_seq)
		return x->problem_seq < y->problem_seq ? -1 : 1;
	return x->lane < y->lane ? -1 : (x->lane > y->lane);
}

/*
 * sv.audit_verify(from_seq bigint, to_seq bigint) returns table (seq, problem, detail):
 * the first broken link of every broken lane among the records whose seq lies in
 * [from_seq, to_seq], or no row.
 *
 * From record 1 the log is read in heap order (a sequential scan: records arrive nearly in
 * lane order, and one that comes before its predecessor waits in memory until it arrives);
 * every lane must then start at its genesis.  A range that does not start at 1 is read through
 * the primary key, and each lane's first record in it is anchored on its own stored prev_hash.
 * When the range runs to the end (to_seq NULL), each lane's last record is also compared with
 * its head row, which is how a deleted tail is found.
 */
PG_FUNCTION_INFO_V1(sv_audit_verify);
Datum
sv_audit_verify(PG_FUNCTION_ARGS)
{
	int64		from_seq = PG_ARGISNULL(0) ? 1 : PG_GETARG_INT64(0);
	bool		to_end = PG_ARGISNULL(1);
	int64		to_seq = to_end ? PG_INT64_MAX : PG_GETARG_INT64(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		full = (from_seq == 1);
	Oid			logid;
	Relation	rel;
	Relation	idx = NULL;
	TupleDesc	desc;
	Snapshot	snapshot;
	IndexScanDesc iscan = NULL;
	TableScanDesc hscan = NULL;
	ScanKeyData keys[2];
	TupleTableSlot *slot;
	StringInfoData encbuf;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	HASHCTL		hctl;
	HTAB	   *lanes;
	HTAB	   *waiting;
	HASH_SEQ_STATUS hstat;
	bool		has_lanes;
	LaneState  *ls;
	LaneState  *last_ls = NULL;
	LaneState **broken;
	int			nbroken = 0;
	long		nlanes;

	if (from_seq < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_seq must be at least 1, not " INT64_FORMAT, from_seq)));
	if (to_seq < from_seq)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("to_seq (" INT64_FORMAT ") must not be less than from_seq (" INT64_FORMAT ")",
						to_seq, from_seq)));

	InitMaterializedSRF(fcinfo, 0);

	logid = audit_relid("audit_log");
	rel = table_open(logid, AccessShareLock);
	desc = RelationGetDescr(rel);
	/* a database still at 0.1.0 has neither lane column: all its records are lane 0 */
	has_lanes = (desc->natts == AL_NCOLS);
	if (desc->natts != AL_NCOLS && desc->natts != AL_LANE)
		elog(ERROR, "sv.audit_log has %d columns, expected %d", desc->natts, AL_NCOLS);
	for (int i = 0; i < desc->natts; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]) != 0)
			elog(ERROR, "sv.audit_log column %d is \"%s\", expected \"%s\"", i + 1,
				 NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]);

	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	initStringInfo(&encbuf);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "audit_verify row", ALLOCSET_DEFAULT_SIZES);
	slot = table_slot_create(rel, NULL);

	memset(&hctl, 0, sizeof(hctl));
	hctl.keysize = sizeof(int32);
	hctl.entrysize = sizeof(LaneState);
	hctl.hcxt = CurrentMemoryContext;
	lanes = hash_create("audit_verify lanes", 64, &hctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&hctl, 0, sizeof(hctl));
	hctl.keysize = sizeof(WaitKey);
	hctl.entrysize = sizeof(WaitEntry);
	hctl.hcxt = CurrentMemoryContext;
	waiting = hash_create("audit_verify waiting records", 256, &hctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	if (to_end)
		load_heads(lanes, snapshot);

	/*
	 * From block 0, never where another scan of the table is (a synchronized scan): a scan
	 * that started in the middle would find every record before its predecessor, and the
	 * records of half the table would wait in memory.
	 */
	if (full)
		hscan = table_beginscan_strat(rel, snapshot, 0, NULL, true, false);
	else
	{
		idx = index_open(audit_relid("audit_log_pkey"), AccessShareLock);
		ScanKeyInit(&keys[0], 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(from_seq));
		ScanKeyInit(&keys[1], 1, BTLessEqualStrategyNumber, F_INT8LE, Int64GetDatum(to_seq));
		iscan = index_beginscan(rel, idx, snapshot, 2, 0);
		index_rescan(iscan, keys, 2, NULL, 0);
	}

	for (;;)
	{
		Datum	   *v;
		bool	   *n;
		AuditRecord r;
		int32		lane;
		int64		pos;
		uint8		stored_prev[AUDIT_HASH_LEN];
		uint8		stored[AUDIT_HASH_LEN];
		uint8		computed[AUDIT_HASH_LEN];
		bool		prev_ok;
		bool		hash_ok;

		if (full ? !table_scan_getnextslot(hscan, ForwardScanDirection, slot)
			: !index_getnext_slot(iscan, ForwardScanDirection, slot))
			break;
		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);
		slot_getallattrs(slot);
		v = slot->tts_values;
		n = slot->tts_isnull;

		r.seq = DatumGetInt64(v[AL_SEQ]);
		if (r.seq > to_seq)
		{
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
			continue;
		}
		r.v2 = has_lanes && !n[AL_LANE];
		lane = r.v2 ? DatumGetInt32(v[AL_LANE]) : 0;
		/* records of a lane come in runs: look the lane up only when it changes */
		if (last_ls == NULL || last_ls->lane != lane)
			last_ls = lane_get(lanes, lane);
		ls = last_ls;
		if (ls->broken)
		{
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
			continue;
		}
		if (r.v2 && (n[AL_LANE_SEQ] || lane < 1 || DatumGetInt64(v[AL_LANE_SEQ]) < 1))
		{
			MemoryContextSwitchTo(oldcxt);
			lane_problem(ls, r.seq, "hash",
						 psprintf("record " INT64_FORMAT " has no valid place in its lane", r.seq));
			MemoryContextReset(rowcxt);
			continue;
		}
		if (!r.v2 && has_lanes && !n[AL_LANE_SEQ])
		{
			MemoryContextSwitchTo(oldcxt);
			lane_problem(ls, r.seq, "hash",
						 psprintf("record " INT64_FORMAT " has a lane position but no lane", r.seq));
			MemoryContextReset(rowcxt);
			continue;
		}
		pos = r.v2 ? DatumGetInt64(v[AL_LANE_SEQ]) : r.seq;
		r.lane = lane;
		r.lane_seq = pos;

		prev_ok = bytea_is_hash(v[AL_PREV_HASH], n[AL_PREV_HASH], stored_prev);
		if (!prev_ok)
			memset(stored_prev, 0xff, AUDIT_HASH_LEN);
		if (n[AL_RECORDED_AT])
		{
			prev_ok = false;
			memset(stored_prev, 0xff, AUDIT_HASH_LEN);
		}
		if (prev_ok)
		{
			r.recorded_at = DatumGetTimestampTz(v[AL_RECORDED_AT]);
			set_text(&r, 0, v[AL_ACTOR_SESSION], n[AL_ACTOR_SESSION]);
			set_text(&r, 1, v[AL_ACTOR_ROLE], n[AL_ACTOR_ROLE]);
			r.dept_null = n[AL_DEPARTMENT_ID];
			r.department_id = r.dept_null ? 0 : DatumGetInt32(v[AL_DEPARTMENT_ID]);
			set_text(&r, 2, v[AL_OBJECT_KIND], n[AL_OBJECT_KIND]);
			set_text(&r, 3, v[AL_OBJECT_ID], n[AL_OBJECT_ID]);
			set_text(&r, 4, v[AL_ACTION], n[AL_ACTION]);
			set_text(&r, 5, v[AL_CHANGE], n[AL_CHANGE]);
			audit_digest(&encbuf, stored_prev, &r, computed);
		}
		else
			memset(computed, 0, AUDIT_HASH_LEN);
		hash_ok = prev_ok && bytea_is_hash(v[AL_HASH], n[AL_HASH], stored) &&
			memcmp(stored, computed, AUDIT_HASH_LEN) == 0;
		if (!hash_ok && !bytea_is_hash(v[AL_HASH], n[AL_HASH], stored))
			memset(stored, 0, AUDIT_HASH_LEN);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);

		/* the first record of a lane in a range is its anchor */
		if (!full && !ls->started)
		{
			ls->expect = pos;
			memcpy(ls->prev, stored_prev, AUDIT_HASH_LEN);
		}

		if (pos == ls->expect)
		{
			if (!link_record(ls, pos, r.seq, stored_prev, hash_ok, stored, computed))
				continue;
			/* records that were waiting for this one */
			while (ls->nwaiting > 0)
			{
				WaitKey		k;
				WaitEntry  *w;
				bool		ok;

				memset(&k, 0, sizeof(k));	/* the padding is hashed too */
				k.lane = lane;
				k.pos = ls->expect;
				w = hash_search(waiting, &k, HASH_FIND, NULL);
				if (w == NULL)
					break;
				ok = link_record(ls, w->key.pos, w->seq, w->stored_prev, w->hash_ok, w->hash, w->computed);
				hash_search(waiting, &k, HASH_REMOVE, NULL);
				ls->nwaiting--;
				if (!ok)
					break;
			}
		}
		else if (pos > ls->expect && full)
		{
			WaitKey		k;
			WaitEntry  *w;
			bool		found;

			memset(&k, 0, sizeof(k));	/* the padding is hashed too */
			k.lane = lane;
			k.pos = pos;
			w = hash_search(waiting, &k, HASH_ENTER, &found);
			if (found)
			{
				lane_problem(ls, r.seq, "duplicate",
							 psprintf("record " INT64_FORMAT " takes position " INT64_FORMAT " of %s, which record " INT64_FORMAT " has",
									  r.seq, pos, lane_name(lane), w->seq));
				continue;
			}
			w->seq = r.seq;
			w->hash_ok = hash_ok;
			memcpy(w->stored_prev, stored_prev, AUDIT_HASH_LEN);
			memcpy(w->hash, stored, AUDIT_HASH_LEN);
			memcpy(w->computed, computed, AUDIT_HASH_LEN);
			ls->nwaiting++;
		}
		else if (pos > ls->expect)
		{
			/* read in seq order, which is lane order: a gap */
			lane_problem(ls, r.seq, "missing",
						 (pos == ls->expect + 1)
						 ? psprintf("position " INT64_FORMAT " of %s is missing (before record " INT64_FORMAT ")",
									ls->expect, lane_name(lane), r.seq)
						 : psprintf("positions " INT64_FORMAT " to " INT64_FORMAT " of %s are missing (before record " INT64_FORMAT ")",
									ls->expect, pos - 1, lane_name(lane), r.seq));
		}
		else
			lane_problem(ls, r.seq, "duplicate",
						 psprintf("record " INT64_FORMAT " takes position " INT64_FORMAT " of %s, which an earlier record has",
								  r.seq, pos, lane_name(lane)));
	}

	if (full)
		table_endscan(hscan);
	else
	{
		index_endscan(iscan);
		index_close(idx, AccessShareLock);
	}

	/* the end of every lane */
	nlanes = hash_get_num_entries(lanes);
	broken = palloc(sizeof(LaneState *) * (nlanes + 1));
	hash_seq_init(&hstat, lanes);
	while ((ls = hash_seq_search(&hstat)) != NULL)
	{
		if (!ls->broken && ls->nwaiting > 0)
		{
			/* records after a gap: the lowest waiting position names it */
			WaitEntry  *w;
			HASH_SEQ_STATUS wstat;
			int64		lowest = PG_INT64_MAX;
			int64		lowest_seq = 0;

			hash_seq_init(&wstat, waiting);
			while ((w = hash_seq_search(&wstat)) != NULL)
				if (w->key.lane == ls->lane && w->key.pos < lowest)
				{
					lowest = w->key.pos;
					lowest_seq = w->seq;
				}
			lane_problem(ls, lowest_seq, "missing",
						 (lowest == ls->expect + 1)
						 ? psprintf("position " INT64_FORMAT " of %s is missing (before record " INT64_FORMAT ")",
									ls->expect, lane_name(ls->lane), lowest_seq)
						 : psprintf("positions " INT64_FORMAT " to " INT64_FORMAT " of %s are missing (before record " INT64_FORMAT ")",
									ls->expect, lowest - 1, lane_name(ls->lane), lowest_seq));
		}
		if (!ls->broken && to_end)
		{
			if (!ls->head_row && ls->started)
				lane_problem(ls, ls->last_seq, "head",
							 ls->lane == 0 ? pstrdup("the chain head row is missing")
							 : psprintf("the head row of lane %d is missing", ls->lane));
			else if (!ls->started)
			{
				/* no record of the lane in the range */
				if (ls->has_head && (full || ls->head_seq >= from_seq))
					lane_problem(ls, ls->head_seq, "missing",
								 psprintf("the head of %s is at record " INT64_FORMAT " but the log has no record of it%s",
										  lane_name(ls->lane), ls->head_seq,
										  full ? "" : psprintf(" from " INT64_FORMAT " on", from_seq)));
			}
			else if (ls->expect - 1 < ls->head_lane_seq)
				lane_problem(ls, ls->head_seq, "missing",
							 psprintf("the head of %s is at record " INT64_FORMAT " (position " INT64_FORMAT ") but the lane ends at record " INT64_FORMAT " (position " INT64_FORMAT ")",
									  lane_name(ls->lane), ls->head_seq, ls->head_lane_seq, ls->last_seq, ls->expect - 1));
			else if (ls->nbeyond > 0)
				lane_problem(ls, ls->beyond_first, "beyond_head",
							 ls->nbeyond == 1
							 ? psprintf("record " INT64_FORMAT " lies beyond the head of %s (record " INT64_FORMAT "): it was not appended through it",
										ls->beyond_first, lane_name(ls->lane), ls->head_seq)
							 : psprintf("records " INT64_FORMAT " and " INT64_FORMAT " after it lie beyond the head of %s (record " INT64_FORMAT "): they were not appended through it",
										ls->beyond_first, ls->nbeyond - 1, lane_name(ls->lane), ls->head_seq));
			else if (!ls->has_head || ls->head_seq != ls->last_seq ||
					 memcmp(ls->head_hash, ls->prev, AUDIT_HASH_LEN) != 0)
				lane_problem(ls, ls->last_seq, "head",
							 psprintf("the head of %s does not match its last record " INT64_FORMAT,
									  lane_name(ls->lane), ls->last_seq));
		}
		if (ls->broken)
			broken[nbroken++] = ls;
	}
	qsort(broken, nbroken, sizeof(LaneState *), problem_cmp);
	for (int i = 0; i < nbroken; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(broken[i]->problem_seq);
		values[1] = CStringGetTextDatum(broken[i]->problem);
		values[2] = CStringGetTextDatum(broken[i]->detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	ExecDropSingleTupleTableSlot(slot);
	pfree(encbuf.data);
	MemoryContextDelete(rowcxt);
	hash_destroy(waiting);
	hash_destroy(lanes);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
