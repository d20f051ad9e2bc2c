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
 * sv._audit_hash() is what sv.audit_append() uses; sv.audit_verify() walks the chain in seq
 * order straight off the primary key (no SPI, one hash context) and reports the first broken
 * link.
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
	AL_OBJECT_KIND, AL_OBJECT_ID, AL_ACTION, AL_CHANGE, AL_PREV_HASH, AL_HASH, AL_NCOLS
};
static const char *const audit_log_columns[AL_NCOLS] = {
	"seq", "recorded_at", "actor_session", "actor_role", "department_id",
	"object_kind", "object_id", "action", "change", "prev_hash", "hash"
};

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
 * sv._audit_hash(prev bytea, seq, recorded_at, actor_session, actor_role, department_id,
 *                object_kind, object_id, action, change text) returns bytea
 */
PG_FUNCTION_INFO_V1(sv_audit_hash);
Datum
sv_audit_hash(PG_FUNCTION_ARGS)
{
	bytea	   *prev;
	AuditRecord r;
	uint8		out[AUDIT_HASH_LEN];
	pg_cryptohash_ctx *ctx;
	StringInfoData buf;
	bytea	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("prev_hash, seq and recorded_at must not be null")));
	prev = PG_GETARG_BYTEA_PP(0);
	if (VARSIZE_ANY_EXHDR(prev) != AUDIT_HASH_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("prev_hash must be %d bytes, not %d",
						AUDIT_HASH_LEN, (int) VARSIZE_ANY_EXHDR(prev))));

	r.seq = PG_GETARG_INT64(1);
	r.recorded_at = PG_GETARG_TIMESTAMPTZ(2);
	set_text(&r, 0, PG_GETARG_DATUM(3), PG_ARGISNULL(3));
	set_text(&r, 1, PG_GETARG_DATUM(4), PG_ARGISNULL(4));
	r.dept_null = PG_ARGISNULL(5);
	r.department_id = r.dept_null ? 0 : PG_GETARG_INT32(5);
	set_text(&r, 2, PG_GETARG_DATUM(6), PG_ARGISNULL(6));
	set_text(&r, 3, PG_GETARG_DATUM(7), PG_ARGISNULL(7));
	set_text(&r, 4, PG_GETARG_DATUM(8), PG_ARGISNULL(8));
	set_text(&r, 5, PG_GETARG_DATUM(9), PG_ARGISNULL(9));

	ctx = audit_shared_ctx();
	initStringInfo(&buf);
	audit_compute(ctx, &buf, (const uint8 *) VARDATA_ANY(prev), &r, out);
	pfree(buf.data);

	result = (bytea *) palloc(VARHDRSZ + AUDIT_HASH_LEN);
	SET_VARSIZE(result, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(result), out, AUDIT_HASH_LEN);
	PG_RETURN_BYTEA_P(result);
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

/*
 * sv.audit_verify(from_seq bigint, to_seq bigint) returns table (seq, problem, detail):
 * the first broken link in [from_seq, to_seq], or no row.  A range that does not start at 1 is
 * anchored on the stored hash of record from_seq - 1.  When the range reaches the end of the
 * chain, the last record is also compared with the chain head (sv.audit_chain), which is how a
 * deleted tail is found.
 */
PG_FUNCTION_INFO_V1(sv_audit_verify);
Datum
sv_audit_verify(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		from_seq = PG_ARGISNULL(0) ? 1 : PG_GETARG_INT64(0);
	bool		to_end = PG_ARGISNULL(1);
	int64		to_seq = to_end ? PG_INT64_MAX : PG_GETARG_INT64(1);
	Oid			logid;
	Oid			pkeyid;
	Relation	rel;
	Relation	idx;
	TupleDesc	desc;
	Snapshot	snapshot;
	IndexScanDesc scan;
	ScanKeyData keys[2];
	TupleTableSlot *slot;
	pg_cryptohash_ctx *ctx;
	StringInfoData encbuf;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	uint8		prev[AUDIT_HASH_LEN];
	uint8		stored[AUDIT_HASH_LEN];
	uint8		computed[AUDIT_HASH_LEN];
	int64		expect_seq = from_seq;
	bool		have_prev = false;
	bool		past_end = false;	/* the range starts after the last record */
	int64		found_seq = 0;
	char	   *problem = NULL;
	char	   *detail = NULL;

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
	pkeyid = audit_relid("audit_log_pkey");
	rel = table_open(logid, AccessShareLock);
	idx = index_open(pkeyid, AccessShareLock);
	desc = RelationGetDescr(rel);
	if (desc->natts != AL_NCOLS)
		elog(ERROR, "sv.audit_log has %d columns, expected %d", desc->natts, AL_NCOLS);
	for (int i = 0; i < AL_NCOLS; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]) != 0)
			elog(ERROR, "sv.audit_log column %d is \"%s\", expected \"%s\"", i + 1,
				 NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]);

	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	ctx = audit_shared_ctx();
	initStringInfo(&encbuf);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "audit_verify row", ALLOCSET_DEFAULT_SIZES);
	slot = table_slot_create(rel, NULL);

	/* Genesis: 32 zero bytes; otherwise anchor on the stored hash of the record before. */
	if (from_seq == 1)
	{
		memset(prev, 0, AUDIT_HASH_LEN);
		have_prev = true;
	}
	else
	{
		ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(from_seq - 1));
		scan = index_beginscan(rel, idx, snapshot, 1, 0);
		index_rescan(scan, keys, 1, NULL, 0);
		if (index_getnext_slot(scan, ForwardScanDirection, slot))
		{
			bool		isnull;
			Datum		d = slot_getattr(slot, AL_HASH + 1, &isnull);

			have_prev = bytea_is_hash(d, isnull, prev);
		}
		index_endscan(scan);
		if (!have_prev)
		{
			/* a range that starts past the end of the log has nothing in it to verify */
			ScanKeyInit(&keys[0], 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(from_seq - 1));
			scan = index_beginscan(rel, idx, snapshot, 1, 0);
			index_rescan(scan, keys, 1, NULL, 0);
			if (!index_getnext_slot(scan, ForwardScanDirection, slot))
				past_end = true;
			index_endscan(scan);
		}
		if (!have_prev && !past_end)
		{
			found_seq = from_seq - 1;
			problem = "missing";
			detail = psprintf("record " INT64_FORMAT ", which anchors the range, is missing or has no hash",
							  from_seq - 1);
		}
	}

	if (problem == NULL && !past_end)
	{
		ScanKeyInit(&keys[0], 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(from_seq));
		ScanKeyInit(&keys[1], 1, BTLessEqualStrategyNumber, F_INT8LE, Int64GetDatum(to_seq));
		scan = index_beginscan(rel, idx, snapshot, 2, 0);
		index_rescan(scan, keys, 2, NULL, 0);

		while (index_getnext_slot(scan, ForwardScanDirection, slot))
		{
			Datum		v[AL_NCOLS];
			bool		n[AL_NCOLS];
			AuditRecord r;

			CHECK_FOR_INTERRUPTS();
			oldcxt = MemoryContextSwitchTo(rowcxt);
			slot_getallattrs(slot);
			memcpy(v, slot->tts_values, sizeof(v));
			memcpy(n, slot->tts_isnull, sizeof(n));

			r.seq = DatumGetInt64(v[AL_SEQ]);
			if (r.seq != expect_seq)
			{
				found_seq = expect_seq;
				problem = "missing";
				detail = (r.seq == expect_seq + 1)
					? psprintf("record " INT64_FORMAT " is missing", expect_seq)
					: psprintf("records " INT64_FORMAT " to " INT64_FORMAT " are missing",
							   expect_seq, r.seq - 1);
				MemoryContextSwitchTo(oldcxt);
				break;
			}
			if (n[AL_RECORDED_AT] || !bytea_is_hash(v[AL_PREV_HASH], n[AL_PREV_HASH], stored) ||
				memcmp(stored, prev, AUDIT_HASH_LEN) != 0)
			{
				found_seq = r.seq;
				problem = "prev_hash";
				detail = psprintf("record " INT64_FORMAT " does not link to the hash of the record before it (%s)",
								  r.seq, hex(prev, AUDIT_HASH_LEN));
				MemoryContextSwitchTo(oldcxt);
				break;
			}
			r.recorded_at = DatumGetTimestampTz(v[AL_RECORDED_AT]);
			set_text(&r, 0, v[AL_ACTOR_SESSION], n[AL_ACTOR_SESSION]);
			set_text(&r, 1, v[AL_ACTOR_ROLE], n[AL_ACTOR_ROLE]);
			r.dept_null = n[AL_DEPARTMENT_ID];
			r.department_id = r.dept_null ? 0 : DatumGetInt32(v[AL_DEPARTMENT_ID]);
			set_text(&r, 2, v[AL_OBJECT_KIND], n[AL_OBJECT_KIND]);
			set_text(&r, 3, v[AL_OBJECT_ID], n[AL_OBJECT_ID]);
			set_text(&r, 4, v[AL_ACTION], n[AL_ACTION]);
			set_text(&r, 5, v[AL_CHANGE], n[AL_CHANGE]);
			audit_compute(ctx, &encbuf, prev, &r, computed);

			if (!bytea_is_hash(v[AL_HASH], n[AL_HASH], stored) ||
				memcmp(stored, computed, AUDIT_HASH_LEN) != 0)
			{
				found_seq = r.seq;
				problem = "hash";
				detail = psprintf("record " INT64_FORMAT " was altered: its content hashes to %s, not to the stored hash",
								  r.seq, hex(computed, AUDIT_HASH_LEN));
				MemoryContextSwitchTo(oldcxt);
				break;
			}
			memcpy(prev, computed, AUDIT_HASH_LEN);
			expect_seq = r.seq + 1;
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
		}
		index_endscan(scan);
	}

	/* The end of the chain must be the head: a deleted tail leaves no gap to find. */
	if (problem == NULL && to_end)
	{
		Oid			headid = audit_relid("audit_chain");
		AttrNumber	seq_att = get_attnum(headid, "seq");
		AttrNumber	hash_att = get_attnum(headid, "hash");
		Relation	head = table_open(headid, AccessShareLock);
		TableScanDesc hscan = table_beginscan(head, snapshot, 0, NULL);
		TupleTableSlot *hslot = table_slot_create(head, NULL);

		if (table_scan_getnextslot(hscan, ForwardScanDirection, hslot))
		{
			bool		isnull;
			int64		head_seq = DatumGetInt64(slot_getattr(hslot, seq_att, &isnull));
			Datum		hh = slot_getattr(hslot, hash_att, &isnull);
			uint8		head_hash[AUDIT_HASH_LEN];
			bool		pending;

			/* this transaction's own appends move the head row only at commit */
			pending = audit_pending_head(&head_seq, head_hash);

			if (past_end)
			{
				/* nothing at or after the anchor: fine only if the head is before it too */
				if (head_seq >= from_seq - 1)
				{
					found_seq = from_seq - 1;
					problem = "missing";
					detail = psprintf("the chain head is at record " INT64_FORMAT " but the log has no record from " INT64_FORMAT " on",
									  head_seq, from_seq - 1);
				}
			}
			else if (head_seq > expect_seq - 1)
			{
				found_seq = expect_seq;
				problem = "missing";
				detail = psprintf("the chain head is at record " INT64_FORMAT " but the log ends at " INT64_FORMAT,
								  head_seq, expect_seq - 1);
			}
			else if (head_seq < expect_seq - 1)
			{
				found_seq = head_seq + 1;
				problem = "beyond_head";
				detail = (expect_seq - 1 == head_seq + 1)
					? psprintf("record " INT64_FORMAT " lies beyond the chain head (" INT64_FORMAT "): it was not appended through it",
							   head_seq + 1, head_seq)
					: psprintf("records " INT64_FORMAT " to " INT64_FORMAT " lie beyond the chain head (" INT64_FORMAT "): they were not appended through it",
							   head_seq + 1, expect_seq - 1, head_seq);
			}
			else if ((!pending && !bytea_is_hash(hh, isnull, head_hash)) ||
					 memcmp(head_hash, prev, AUDIT_HASH_LEN) != 0)
			{
				found_seq = head_seq;
				problem = "head";
				detail = psprintf("the chain head's hash does not match record " INT64_FORMAT, head_seq);
			}
		}
		else if (expect_seq > 1 && !past_end)
		{
			found_seq = expect_seq - 1;
			problem = "head";
			detail = pstrdup("the chain head row is missing");
		}
		ExecDropSingleTupleTableSlot(hslot);
		table_endscan(hscan);
		table_close(head, AccessShareLock);
	}

	if (problem != NULL)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(found_seq);
		values[1] = CStringGetTextDatum(problem);
		values[2] = CStringGetTextDatum(detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	ExecDropSingleTupleTableSlot(slot);
	pfree(encbuf.data);
	MemoryContextDelete(rowcxt);
	UnregisterSnapshot(snapshot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
