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
 * sv.audit_append() and sv._audit_hash() hash with audit_digest() (sha256.c: the encoding of
 * encode.c hashed in pieces as it is written); sv.audit_verify() reads
 * the log in one sequential scan from its first block (no SPI, no encoding buffer) and reports
 * each lane's first broken link.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/parallel.h"
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
#include "optimizer/cost.h"
#include "port/atomics.h"
#include "postmaster/bgworker_internals.h"
#include "storage/bufmgr.h"
#include "storage/shm_toc.h"
#include "utils/builtins.h"
#include "lib/stringinfo.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
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
		struct varlena *t = (struct varlena *) DatumGetPointer(d);

		/* a value in line and not compressed (nearly all) is read where it lies */
		if (VARATT_IS_COMPRESSED(t) || VARATT_IS_EXTERNAL(t))
			t = pg_detoast_datum_packed(t);
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

	audit_digest((const uint8 *) VARDATA_ANY(prev), &r, out);

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

/* A hash table of verify's, in the current memory context */
static HTAB *
verify_htab(const char *name, Size keysize, Size entrysize, long nelem)
{
	HASHCTL		hctl;

	memset(&hctl, 0, sizeof(hctl));
	hctl.keysize = keysize;
	hctl.entrysize = entrysize;
	hctl.hcxt = CurrentMemoryContext;
	return hash_create(name, nelem, &hctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static HTAB *
lanes_create(void)
{
	return verify_htab("audit_verify lanes", sizeof(int32), sizeof(LaneState), 64);
}

static HTAB *
waiting_create(void)
{
	return verify_htab("audit_verify waiting records", sizeof(WaitKey), sizeof(WaitEntry), 256);
}

/* What verify reads of one record */
typedef struct RecordCheck
{
	AuditRecord r;
	bool		bad_place;		/* a v2 record without a valid lane and position */
	bool		stray_pos;		/* a lane position but no lane */
	int64		pos;			/* position in its lane (seq in the 0.1.0 chain) */
	bool		hash_ok;		/* prev_hash and hash are hashes, and the content hashes to hash */
	uint8		stored_prev[AUDIT_HASH_LEN];	/* 0xff... when not a hash */
	uint8		stored[AUDIT_HASH_LEN];	/* 0... when not a hash */
	uint8		computed[AUDIT_HASH_LEN];
} RecordCheck;

/* The record's number, lane and place (slot deformed in full); false beyond to_seq. */
static bool
record_place(TupleTableSlot *slot, bool has_lanes, int64 to_seq, RecordCheck *c)
{
	Datum	   *v;
	bool	   *n;

	slot_getallattrs(slot);
	v = slot->tts_values;
	n = slot->tts_isnull;
	c->r.seq = DatumGetInt64(v[AL_SEQ]);
	if (c->r.seq > to_seq)
		return false;
	c->r.v2 = has_lanes && !n[AL_LANE];
	c->r.lane = c->r.v2 ? DatumGetInt32(v[AL_LANE]) : 0;
	c->bad_place = c->r.v2 && (n[AL_LANE_SEQ] || c->r.lane < 1 || DatumGetInt64(v[AL_LANE_SEQ]) < 1);
	c->stray_pos = !c->r.v2 && has_lanes && !n[AL_LANE_SEQ];
	c->pos = c->r.v2 && !n[AL_LANE_SEQ] ? DatumGetInt64(v[AL_LANE_SEQ]) : c->r.seq;
	c->r.lane_seq = c->pos;
	return true;
}

/* Recompute the record's hash and compare (after record_place, in a short-lived context). */
static void
record_hash(TupleTableSlot *slot, RecordCheck *c)
{
	Datum	   *v = slot->tts_values;
	bool	   *n = slot->tts_isnull;
	bool		prev_ok;

	prev_ok = bytea_is_hash(v[AL_PREV_HASH], n[AL_PREV_HASH], c->stored_prev);
	if (!prev_ok)
		memset(c->stored_prev, 0xff, AUDIT_HASH_LEN);
	if (n[AL_RECORDED_AT])
	{
		prev_ok = false;
		memset(c->stored_prev, 0xff, AUDIT_HASH_LEN);
	}
	if (prev_ok)
	{
		AuditRecord *r = &c->r;

		r->recorded_at = DatumGetTimestampTz(v[AL_RECORDED_AT]);
		set_text(r, 0, v[AL_ACTOR_SESSION], n[AL_ACTOR_SESSION]);
		set_text(r, 1, v[AL_ACTOR_ROLE], n[AL_ACTOR_ROLE]);
		r->dept_null = n[AL_DEPARTMENT_ID];
		r->department_id = r->dept_null ? 0 : DatumGetInt32(v[AL_DEPARTMENT_ID]);
		set_text(r, 2, v[AL_OBJECT_KIND], n[AL_OBJECT_KIND]);
		set_text(r, 3, v[AL_OBJECT_ID], n[AL_OBJECT_ID]);
		set_text(r, 4, v[AL_ACTION], n[AL_ACTION]);
		set_text(r, 5, v[AL_CHANGE], n[AL_CHANGE]);
		audit_digest(c->stored_prev, r, c->computed);
	}
	else
		memset(c->computed, 0, AUDIT_HASH_LEN);
	c->hash_ok = prev_ok && bytea_is_hash(v[AL_HASH], n[AL_HASH], c->stored) &&
		memcmp(c->stored, c->computed, AUDIT_HASH_LEN) == 0;
	if (!c->hash_ok && !bytea_is_hash(v[AL_HASH], n[AL_HASH], c->stored))
		memset(c->stored, 0, AUDIT_HASH_LEN);
}

/*
 * The serial walk (the reference): every record of the range in heap order (full) or seq order
 * (a range from a later seq, through the primary key), linked to its lane in lanes; records
 * that come before their predecessor wait in waiting.
 */
static void
verify_serial(Relation rel, Snapshot snapshot, bool full, int64 from_seq, int64 to_seq,
			  bool has_lanes, HTAB *lanes, HTAB *waiting)
{
	Relation	idx = NULL;
	IndexScanDesc iscan = NULL;
	TableScanDesc hscan = NULL;
	ScanKeyData keys[2];
	TupleTableSlot *slot;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	LaneState  *ls;
	LaneState  *last_ls = NULL;

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "audit_verify row", ALLOCSET_DEFAULT_SIZES);
	slot = table_slot_create(rel, NULL);

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
		RecordCheck c;
		int32		lane;
		int64		pos;

		if (full ? !table_scan_getnextslot(hscan, ForwardScanDirection, slot)
			: !index_getnext_slot(iscan, ForwardScanDirection, slot))
			break;
		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);
		if (!record_place(slot, has_lanes, to_seq, &c))
		{
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
			continue;
		}
		lane = c.r.lane;
		pos = c.pos;
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
		if (c.bad_place || c.stray_pos)
		{
			MemoryContextSwitchTo(oldcxt);
			lane_problem(ls, c.r.seq, "hash",
						 c.bad_place
						 ? psprintf("record " INT64_FORMAT " has no valid place in its lane", c.r.seq)
						 : psprintf("record " INT64_FORMAT " has a lane position but no lane", c.r.seq));
			MemoryContextReset(rowcxt);
			continue;
		}
		record_hash(slot, &c);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);

		/* the first record of a lane in a range is its anchor */
		if (!full && !ls->started)
		{
			ls->expect = pos;
			memcpy(ls->prev, c.stored_prev, AUDIT_HASH_LEN);
		}

		if (pos == ls->expect)
		{
			if (!link_record(ls, pos, c.r.seq, c.stored_prev, c.hash_ok, c.stored, c.computed))
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
				lane_problem(ls, c.r.seq, "duplicate",
							 psprintf("record " INT64_FORMAT " takes position " INT64_FORMAT " of %s, which record " INT64_FORMAT " has",
									  c.r.seq, pos, lane_name(lane), w->seq));
				continue;
			}
			w->seq = c.r.seq;
			w->hash_ok = c.hash_ok;
			memcpy(w->stored_prev, c.stored_prev, AUDIT_HASH_LEN);
			memcpy(w->hash, c.stored, AUDIT_HASH_LEN);
			memcpy(w->computed, c.computed, AUDIT_HASH_LEN);
			ls->nwaiting++;
		}
		else if (pos > ls->expect)
		{
			/* read in seq order, which is lane order: a gap */
			lane_problem(ls, c.r.seq, "missing",
						 (pos == ls->expect + 1)
						 ? psprintf("position " INT64_FORMAT " of %s is missing (before record " INT64_FORMAT ")",
									ls->expect, lane_name(lane), c.r.seq)
						 : psprintf("positions " INT64_FORMAT " to " INT64_FORMAT " of %s are missing (before record " INT64_FORMAT ")",
									ls->expect, pos - 1, lane_name(lane), c.r.seq));
		}
		else
			lane_problem(ls, c.r.seq, "duplicate",
						 psprintf("record " INT64_FORMAT " takes position " INT64_FORMAT " of %s, which an earlier record has",
								  c.r.seq, pos, lane_name(lane)));
	}

	if (full)
		table_endscan(hscan);
	else
	{
		index_endscan(iscan);
		index_close(idx, AccessShareLock);
	}
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(rowcxt);
}

/*
 * The parallel walk of a full verification (from record 1), with PostgreSQL's parallel workers.
 *
 * The heap's blocks (as many as when the walk starts: every record the snapshot sees lies in
 * them) are cut into ranges, eight per process; the leader and the workers take the next range
 * in turn and scan it in physical order (heap_setscanlimits), all with the caller's snapshot.
 * Each process recomputes the hash of every record it reads and links its
 * records per lane into runs: a record extends its lane's current run when it takes the next
 * position and its prev_hash is the run's last hash; otherwise it starts a new run.  Each
 * process writes its runs (lane, first position and prev_hash, last position, seq and hash)
 * into its slot of the shared memory; the leader sorts them by lane and position and joins
 * them.  When the runs of every lane tile its positions from 1, each linking to the one
 * before from the genesis, every record linked (the serial walk, whatever the order it reads
 * them in, would link all of them and find no duplicate, gap or alteration), and the lanes'
 * ends are then checked against their heads exactly as after the serial walk.
 *
 * Anything else (a record that does not hash to its hash, has no valid place, a gap, a
 * duplicate, runs that do not link, records beyond a head, or a slot that overflowed) means
 * the trail has a problem: the first process to see one tells the others to stop, and the
 * caller verifies serially, so the findings are the reference walk's, word for word.
 */
#define PV_KEY_SHARED	UINT64CONST(0x7376617564690001)
#define PV_KEY_SLOTS	UINT64CONST(0x7376617564690002)
#define PV_KEY_SNAPSHOT UINT64CONST(0x7376617564690003)
#define PV_RANGES_PER_PROCESS 8
#define PV_SLOT_RUNS	16384	/* runs per process beyond one per lane and range */

typedef struct VerifyRun
{
	int32		lane;
	int64		first_pos;
	int64		last_pos;
	int64		last_seq;
	uint8		first_prev[AUDIT_HASH_LEN];
	uint8		last_hash[AUDIT_HASH_LEN];
} VerifyRun;

/* One process's runs, in the shared memory (slot 0: the leader's, then worker n's at n + 1) */
typedef struct VerifySlot
{
	int			nruns;
	bool		overflow;
	int64		nrecords;
	VerifyRun	runs[FLEXIBLE_ARRAY_MEMBER];	/* capacity: VerifyShared.cap */
} VerifySlot;

typedef struct VerifyShared
{
	Oid			relid;
	bool		has_lanes;
	int64		to_seq;
	int			nslots;
	int			cap;			/* runs per slot: a run ends at least at each lane's range ends */
	Size		slot_size;
	BlockNumber nblocks;
	uint32		nranges;
	pg_atomic_uint32 next_range;
	pg_atomic_uint32 problem;	/* set by the first process that finds one: all stop */
} VerifyShared;

static VerifySlot *
verify_slot(VerifyShared *sh, char *slots, int i)
{
	return (VerifySlot *) (slots + sh->slot_size * i);
}

int			sv_audit_verify_workers = -1;
int			sv_audit_verify_min_parallel_size = 1024;
bool		sv_audit_verify_crosscheck = false;

void
audit_define_gucs(void)
{
	DefineCustomIntVariable("sv.audit_verify_workers",
							"Parallel workers of a full sv.audit_verify() (0: serial).",
							"-1 takes max_parallel_workers_per_gather.  The verification runs "
							"serially when no worker can be launched.",
							&sv_audit_verify_workers,
							-1, -1, MAX_PARALLEL_WORKER_LIMIT,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("sv.audit_verify_min_parallel_size",
							"Smallest sv.audit_log that a full sv.audit_verify() walks in parallel.",
							NULL,
							&sv_audit_verify_min_parallel_size,
							1024, 0, INT_MAX / 3,
							PGC_USERSET,
							GUC_UNIT_BLOCKS,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("sv.audit_verify_crosscheck",
							 "Check every parallel sv.audit_verify() against the serial walk (tests).",
							 "An error when the two differ.  A developer option: it doubles the work.",
							 &sv_audit_verify_crosscheck,
							 false,
							 PGC_SUSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
}

typedef struct OpenRun
{
	int32		lane;
	int			run;			/* index in the slot */
} OpenRun;

/* One process's share of the parallel walk (block ranges taken in turn), into its slot. */
static void
verify_participate(VerifyShared *sh, VerifySlot *vs, Relation rel, Snapshot snapshot)
{
	/* never a synchronized scan: each range is read from its first block */
	TableScanDesc scan = table_beginscan_strat(rel, snapshot, 0, NULL, true, false);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext, "audit_verify row",
												 ALLOCSET_DEFAULT_SIZES);
	HTAB	   *open = verify_htab("audit_verify open runs", sizeof(int32), sizeof(OpenRun), 64);
	OpenRun    *last = NULL;
	BlockNumber block = InvalidBlockNumber;
	bool		stop = false;

	vs->nruns = 0;
	vs->overflow = false;
	vs->nrecords = 0;

	while (!stop)
	{
		uint32		r = pg_atomic_fetch_add_u32(&sh->next_range, 1);
		BlockNumber start;
		BlockNumber end;

		if (r >= sh->nranges || pg_atomic_read_u32(&sh->problem) != 0)
			break;
		start = (BlockNumber) ((uint64) sh->nblocks * r / sh->nranges);
		end = (BlockNumber) ((uint64) sh->nblocks * (r + 1) / sh->nranges);
		if (end == start)
			continue;
		table_rescan(scan, NULL);
		heap_setscanlimits(scan, start, end - start);
		block = InvalidBlockNumber;

		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			RecordCheck c;
			MemoryContext oldcxt;
			VerifyRun  *run;

			CHECK_FOR_INTERRUPTS();
			if (ItemPointerGetBlockNumber(&slot->tts_tid) != block)
			{
				/* another process found a problem: no need to go on */
				if (pg_atomic_read_u32(&sh->problem) != 0)
				{
					stop = true;
					break;
				}
				block = ItemPointerGetBlockNumber(&slot->tts_tid);
			}
			oldcxt = MemoryContextSwitchTo(rowcxt);
			if (!record_place(slot, sh->has_lanes, sh->to_seq, &c))
			{
				MemoryContextSwitchTo(oldcxt);
				MemoryContextReset(rowcxt);
				continue;
			}
			vs->nrecords++;
			if (!c.bad_place && !c.stray_pos)
				record_hash(slot, &c);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
			if (c.bad_place || c.stray_pos || !c.hash_ok)
			{
				pg_atomic_write_u32(&sh->problem, 1);
				stop = true;
				break;
			}

			if (last == NULL || last->lane != c.r.lane)
			{
				bool		found;

				last = hash_search(open, &c.r.lane, HASH_ENTER, &found);
				if (!found)
					last->run = -1;
			}
			run = last->run >= 0 ? &vs->runs[last->run] : NULL;
			if (run != NULL && c.pos == run->last_pos + 1 &&
				memcmp(c.stored_prev, run->last_hash, AUDIT_HASH_LEN) == 0)
			{
				run->last_pos = c.pos;
				run->last_seq = c.r.seq;
				memcpy(run->last_hash, c.stored, AUDIT_HASH_LEN);
				continue;
			}
			if (vs->nruns == sh->cap)
			{
				vs->overflow = true;
				pg_atomic_write_u32(&sh->problem, 1);
				stop = true;
				break;
			}
			last->run = vs->nruns++;
			run = &vs->runs[last->run];
			run->lane = c.r.lane;
			run->first_pos = run->last_pos = c.pos;
			run->last_seq = c.r.seq;
			memcpy(run->first_prev, c.stored_prev, AUDIT_HASH_LEN);
			memcpy(run->last_hash, c.stored, AUDIT_HASH_LEN);
		}
	}

	hash_destroy(open);
	MemoryContextDelete(rowcxt);
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
}

/* A parallel worker of sv.audit_verify (CreateParallelContext names it). */
PGDLLEXPORT void sv_audit_verify_worker(dsm_segment *seg, shm_toc *toc);

void
sv_audit_verify_worker(dsm_segment *seg, shm_toc *toc)
{
	VerifyShared *sh = shm_toc_lookup(toc, PV_KEY_SHARED, false);
	char	   *slots = shm_toc_lookup(toc, PV_KEY_SLOTS, false);
	Snapshot	snapshot = RegisterSnapshot(RestoreSnapshot(shm_toc_lookup(toc, PV_KEY_SNAPSHOT, false)));
	Relation	rel = table_open(sh->relid, AccessShareLock);

	verify_participate(sh, verify_slot(sh, slots, ParallelWorkerNumber + 1), rel, snapshot);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snapshot);
}

static int
run_cmp(const void *a, const void *b)
{
	const VerifyRun *x = *(VerifyRun *const *) a;
	const VerifyRun *y = *(VerifyRun *const *) b;

	if (x->lane != y->lane)
		return x->lane < y->lane ? -1 : 1;
	if (x->first_pos != y->first_pos)
		return x->first_pos < y->first_pos ? -1 : 1;
	return 0;
}

/*
 * Join the runs of every slot per lane into lanes (as the serial walk leaves them when
 * every record linked); false, lanes untouched, when they do not tile every lane from 1.
 */
static bool
join_runs(VerifyShared *sh, char *slots, HTAB *lanes)
{
	int			nruns = 0;
	VerifyRun **runs;
	int			n = 0;
	int			pass;

	for (int s = 0; s < sh->nslots; s++)
		nruns += verify_slot(sh, slots, s)->nruns;
	runs = palloc(sizeof(VerifyRun *) * (nruns + 1));
	for (int s = 0; s < sh->nslots; s++)
	{
		VerifySlot *vs = verify_slot(sh, slots, s);

		for (int i = 0; i < vs->nruns; i++)
			runs[n++] = &vs->runs[i];
	}
	qsort(runs, nruns, sizeof(VerifyRun *), run_cmp);

	/* pass 0 checks, pass 1 writes the lanes' ends */
	for (pass = 0; pass < 2; pass++)
	{
		for (int i = 0; i < nruns;)
		{
			int32		lane = runs[i]->lane;
			int64		expect = 1;
			const uint8 *prev = NULL;
			int64		last_seq = 0;
			LaneState  *ls;

			for (; i < nruns && runs[i]->lane == lane; i++)
			{
				if (runs[i]->first_pos != expect)
					return false;
				if (prev == NULL)
				{
					for (int b = 0; b < AUDIT_HASH_LEN; b++)
						if (runs[i]->first_prev[b] != 0)
							return false;	/* position 1 links to the genesis: zeros */
				}
				else if (memcmp(runs[i]->first_prev, prev, AUDIT_HASH_LEN) != 0)
					return false;
				expect = runs[i]->last_pos + 1;
				prev = runs[i]->last_hash;
				last_seq = runs[i]->last_seq;
			}
			if (pass == 0)
			{
				ls = hash_search(lanes, &lane, HASH_FIND, NULL);
				/* records beyond the head: the serial walk counts and names them */
				if (ls != NULL && ls->has_head && expect - 1 > ls->head_lane_seq)
					return false;
				continue;
			}
			ls = lane_get(lanes, lane);
			ls->started = true;
			ls->expect = expect;
			ls->last_seq = last_seq;
			memcpy(ls->prev, prev, AUDIT_HASH_LEN);
		}
	}
	pfree(runs);
	return true;
}

/* How many workers a full verification asks for (0: serial). */
static int
verify_nworkers(Relation rel)
{
	int			n = sv_audit_verify_workers >= 0 ? sv_audit_verify_workers : max_parallel_workers_per_gather;

	if (n <= 0 || !IsUnderPostmaster || IsInParallelMode() || IsParallelWorker())
		return 0;
	if (RelationGetNumberOfBlocks(rel) < (BlockNumber) sv_audit_verify_min_parallel_size)
		return 0;
	return n;
}

/* The parallel walk into lanes; false (lanes untouched) when the serial walk must be done. */
static bool
verify_parallel(Relation rel, Snapshot snapshot, bool has_lanes, int64 to_seq, int nworkers,
				HTAB *lanes)
{
	ParallelContext *pcxt;
	BlockNumber nblocks = RelationGetNumberOfBlocks(rel);
	uint32		nranges = Min(nblocks, (BlockNumber) (PV_RANGES_PER_PROCESS * (nworkers + 1)));
	/* every lane known by its head may end a run at every range's end */
	int			cap = PV_SLOT_RUNS + (int) Min(hash_get_num_entries(lanes) * (long) nranges, 1L << 20);
	Size		slot_size = MAXALIGN(add_size(offsetof(VerifySlot, runs), mul_size(sizeof(VerifyRun), cap)));
	Size		slots_size = mul_size(slot_size, nworkers + 1);
	Size		snapshot_size = EstimateSnapshotSpace(snapshot);
	VerifyShared *sh;
	char	   *slots;
	char	   *snap;
	bool		ok = false;

	EnterParallelMode();
	pcxt = CreateParallelContext("sv_platform", "sv_audit_verify_worker", nworkers);
	shm_toc_estimate_chunk(&pcxt->estimator, sizeof(VerifyShared));
	shm_toc_estimate_chunk(&pcxt->estimator, slots_size);
	shm_toc_estimate_chunk(&pcxt->estimator, snapshot_size);
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL || pcxt->nworkers == 0)
		goto done;				/* no dynamic shared memory */

	sh = shm_toc_allocate(pcxt->toc, sizeof(VerifyShared));
	sh->relid = RelationGetRelid(rel);
	sh->has_lanes = has_lanes;
	sh->to_seq = to_seq;
	sh->nslots = nworkers + 1;
	sh->cap = cap;
	sh->slot_size = slot_size;
	sh->nblocks = nblocks;
	sh->nranges = nranges;
	pg_atomic_init_u32(&sh->next_range, 0);
	pg_atomic_init_u32(&sh->problem, 0);
	shm_toc_insert(pcxt->toc, PV_KEY_SHARED, sh);
	slots = shm_toc_allocate(pcxt->toc, slots_size);
	for (int s = 0; s < sh->nslots; s++)
	{
		VerifySlot *vs = verify_slot(sh, slots, s);

		vs->nruns = 0;
		vs->overflow = false;
		vs->nrecords = 0;
	}
	shm_toc_insert(pcxt->toc, PV_KEY_SLOTS, slots);
	/* the workers read with the caller's snapshot */
	snap = shm_toc_allocate(pcxt->toc, snapshot_size);
	SerializeSnapshot(snapshot, snap);
	shm_toc_insert(pcxt->toc, PV_KEY_SNAPSHOT, snap);

	LaunchParallelWorkers(pcxt);
	if (pcxt->nworkers_launched == 0)
	{
		elog(DEBUG1, "sv.audit_verify: no parallel worker free, verifying serially");
		goto done;
	}
	verify_participate(sh, verify_slot(sh, slots, 0), rel, snapshot);
	WaitForParallelWorkersToFinish(pcxt);

	ok = pg_atomic_read_u32(&sh->problem) == 0 && join_runs(sh, slots, lanes);
	for (int s = 0; s < sh->nslots; s++)
	{
		VerifySlot *vs = verify_slot(sh, slots, s);

		elog(DEBUG1, "sv.audit_verify: process %d read " INT64_FORMAT " records in %d runs%s",
			 s, vs->nrecords, vs->nruns, vs->overflow ? " (overflow)" : "");
	}
	elog(DEBUG1, "sv.audit_verify: %d of %d workers, %u block ranges, %s", pcxt->nworkers_launched,
		 nworkers, nranges, ok ? "every lane linked" : "a problem: verifying serially");
done:
	DestroyParallelContext(pcxt);
	ExitParallelMode();
	return ok;
}

/* One row of verify's result */
typedef struct Finding
{
	int64		seq;
	char	   *problem;
	char	   *detail;
} Finding;

/*
 * The end of every lane after a walk: a gap before records that still wait, a tail that
 * differs from the head; then the first problem of every broken lane, ordered by seq and lane.
 */
static Finding *
verify_finish(HTAB *lanes, HTAB *waiting, bool full, bool to_end, int64 from_seq, int *nfindings)
{
	HASH_SEQ_STATUS hstat;
	LaneState  *ls;
	LaneState **broken;
	int			nbroken = 0;
	long		nlanes = hash_get_num_entries(lanes);
	Finding    *f;

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
	f = palloc(sizeof(Finding) * (nbroken + 1));
	for (int i = 0; i < nbroken; i++)
	{
		f[i].seq = broken[i]->problem_seq;
		f[i].problem = broken[i]->problem;
		f[i].detail = broken[i]->detail;
	}
	pfree(broken);
	*nfindings = nbroken;
	return f;
}

/* The serial walk and its findings, with fresh lanes (heads read again). */
static Finding *
verify_serial_findings(Relation rel, Snapshot snapshot, bool full, bool to_end, int64 from_seq,
					   int64 to_seq, bool has_lanes, int *nfindings)
{
	HTAB	   *lanes = lanes_create();
	HTAB	   *waiting = waiting_create();

	if (to_end)
		load_heads(lanes, snapshot);
	verify_serial(rel, snapshot, full, from_seq, to_seq, has_lanes, lanes, waiting);
	return verify_finish(lanes, waiting, full, to_end, from_seq, nfindings);
}

/*
 * sv.audit_verify(from_seq bigint, to_seq bigint) returns table (seq, problem, detail):
 * the first broken link of every broken lane among the records whose seq lies in
 * [from_seq, to_seq], or no row.
 *
 * From record 1 the log is read in heap order (a sequential scan: records arrive nearly in
 * lane order, and one that comes before its predecessor waits in memory until it arrives);
 * every lane must then start at its genesis.  This full walk is done by parallel workers
 * (verify_parallel) when sv.audit_verify_workers allows and the table is large enough; a
 * trail with a problem is walked again serially for its findings.  A range that does not
 * start at 1 is read through the primary key, and each lane's first record in it is anchored
 * on its own stored prev_hash.  When the range runs to the end (to_seq NULL), each lane's last
 * record is also compared with its head row, which is how a deleted tail is found.
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
	TupleDesc	desc;
	Snapshot	snapshot;
	bool		has_lanes;
	bool		parallel_done = false;
	int			nworkers;
	Finding    *findings = NULL;
	int			nfindings = 0;

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

	nworkers = full ? verify_nworkers(rel) : 0;
	if (nworkers > 0)
	{
		HTAB	   *lanes = lanes_create();

		if (to_end)
			load_heads(lanes, snapshot);
		parallel_done = verify_parallel(rel, snapshot, has_lanes, to_seq, nworkers, lanes);
		if (parallel_done)
			findings = verify_finish(lanes, waiting_create(), full, to_end, from_seq, &nfindings);
		hash_destroy(lanes);
	}
	if (!parallel_done)
		findings = verify_serial_findings(rel, snapshot, full, to_end, from_seq, to_seq, has_lanes,
										  &nfindings);
	else if (sv_audit_verify_crosscheck)
	{
		/* tests: the serial walk must find the same */
		int			nserial;
		Finding    *serial = verify_serial_findings(rel, snapshot, full, to_end, from_seq, to_seq,
													has_lanes, &nserial);
		bool		same = (nserial == nfindings);

		for (int i = 0; same && i < nfindings; i++)
			same = serial[i].seq == findings[i].seq &&
				strcmp(serial[i].problem, findings[i].problem) == 0 &&
				strcmp(serial[i].detail, findings[i].detail) == 0;
		if (!same)
			elog(ERROR, "the parallel audit verification found %d problems (first at record " INT64_FORMAT "), the serial one %d (first at record " INT64_FORMAT ")",
				 nfindings, nfindings > 0 ? findings[0].seq : 0, nserial, nserial > 0 ? serial[0].seq : 0);
	}

	for (int i = 0; i < nfindings; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(findings[i].seq);
		values[1] = CStringGetTextDatum(findings[i].problem);
		values[2] = CStringGetTextDatum(findings[i].detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
