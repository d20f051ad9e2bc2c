/*
 * encode.c: the canonical encoding of an audit record and its hash (the definition is at the
 * top of audit.c and in docs/audit.md), shared by append.c and audit.c.
 *
 * The encoding is written to a sink (audit.h: AuditSink) in pieces: the fixed-size fields and
 * short texts are gathered in the sink's small stage, and a long text (the change, as a rule)
 * goes to the sink's writer straight from the tuple, not copied.  audit_digest (sha256.c) hashes
 * the pieces as they come; audit_encode collects them in a buffer (the fuzz target and the
 * hash through pg_cryptohash, audit_compute).  Either way the bytes are the same.
 *
 * No catalog access and no memory but buf's: the fuzz target fuzz/audit.c runs it without a
 * server.
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/int.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "audit/audit.h"

static void
hash_check(pg_cryptohash_ctx *ctx, int rc)
{
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", pg_cryptohash_error(ctx))));
}

/* Hand the stage to the writer. */
static inline void
sink_flush(AuditSink *s)
{
	if (s->len > 0)
	{
		s->write(s->arg, s->stage, s->len);
		s->len = 0;
	}
}

/* Append one field of the canonical encoding to the sink. */
static inline void
encode_field(AuditSink *s, const char *data, int len, bool isnull)
{
	uint8	   *p;

	if (isnull)
	{
		if (s->len + 1 > AUDIT_STAGE_LEN)
			sink_flush(s);
		s->stage[s->len++] = 0x00;
		return;
	}
	if (s->len + 5 > AUDIT_STAGE_LEN)
		sink_flush(s);
	p = s->stage + s->len;
	p[0] = 0x01;
	p[1] = (uint8) ((uint32) len >> 24);
	p[2] = (uint8) ((uint32) len >> 16);
	p[3] = (uint8) ((uint32) len >> 8);
	p[4] = (uint8) len;
	s->len += 5;
	if (len <= 0)
		return;
	if (len >= AUDIT_DIRECT_LEN)
	{
		/* a long value: hashed where it lies */
		sink_flush(s);
		s->write(s->arg, (const uint8 *) data, len);
		return;
	}
	if (s->len + len > AUDIT_STAGE_LEN)
		sink_flush(s);
	memcpy(s->stage + s->len, data, len);
	s->len += len;
}

/* A decimal field: at most 20 digits and a sign. */
static inline void
encode_int8_field(AuditSink *s, int64 v)
{
	char		num[MAXINT8LEN + 1];
	int			n = pg_lltoa(v, num);

	encode_field(s, num, n, false);
}

/*
 * The canonical encoding of a record after prev (the hash's input) to the sink, whose stage
 * must be empty: v1 or, with r->v2, v2 with the lane and the position in it (docs/audit.md).
 * Every byte has reached the writer on return.
 */
void
audit_encode_to(AuditSink *s, const uint8 *prev, const AuditRecord *r)
{
	int64		unix_usec;

	/* the domain with its NUL, then the previous hash */
	StaticAssertStmt(sizeof(AUDIT_DOMAIN2) == sizeof(AUDIT_DOMAIN), "audit domains differ in length");
	StaticAssertStmt(sizeof(AUDIT_DOMAIN) + AUDIT_HASH_LEN + 5 + MAXINT8LEN <= AUDIT_STAGE_LEN,
					 "audit stage too small");
	Assert(s->len == 0);
	memcpy(s->stage, r->v2 ? AUDIT_DOMAIN2 : AUDIT_DOMAIN, sizeof(AUDIT_DOMAIN));
	memcpy(s->stage + sizeof(AUDIT_DOMAIN), prev, AUDIT_HASH_LEN);
	s->len = sizeof(AUDIT_DOMAIN) + AUDIT_HASH_LEN;

	encode_int8_field(s, r->seq);
	if (r->v2)
	{
		encode_int8_field(s, r->lane);
		encode_int8_field(s, r->lane_seq);
	}
	/*
	 * Exact over the whole range of timestamptz: from 294247-01-10 04:00:54.775808 UTC on (and
	 * at 'infinity') the sum exceeds int64 and is written from its unsigned value, which holds
	 * it (sv._audit_hash accepts any timestamptz; appends use the clock).
	 */
	if (!pg_add_s64_overflow(r->recorded_at,
							 (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY,
							 &unix_usec))
		encode_int8_field(s, unix_usec);
	else
	{
		char		num[MAXINT8LEN + 1];
		int			n = pg_ulltoa_n((uint64) r->recorded_at +
									(uint64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY, num);

		encode_field(s, num, n, false);
	}
	encode_field(s, r->text[0], r->textlen[0], r->text[0] == NULL);	/* actor_session */
	encode_field(s, r->text[1], r->textlen[1], r->text[1] == NULL);	/* actor_role */
	if (r->dept_null)
		encode_field(s, NULL, 0, true);
	else
		encode_int8_field(s, r->department_id);
	for (int i = 2; i < 6; i++)	/* object_kind, object_id, action, change */
		encode_field(s, r->text[i], r->textlen[i], r->text[i] == NULL);
	sink_flush(s);
}

static void
write_buf(void *arg, const uint8 *data, size_t len)
{
	appendBinaryStringInfo((StringInfo) arg, (const char *) data, (int) len);
}

/* The canonical encoding of a record after prev in buf, reset first. */
void
audit_encode(StringInfo buf, const uint8 *prev, const AuditRecord *r)
{
	AuditSink	s;

	resetStringInfo(buf);
	s.write = write_buf;
	s.arg = buf;
	s.len = 0;
	audit_encode_to(&s, prev, r);
}

/* Hash one record through pg_cryptohash: the encoding is built in buf and hashed at once. */
void
audit_compute(pg_cryptohash_ctx *ctx, StringInfo buf, const uint8 *prev, const AuditRecord *r, uint8 *out)
{
	audit_encode(buf, prev, r);
	hash_check(ctx, pg_cryptohash_init(ctx));
	hash_check(ctx, pg_cryptohash_update(ctx, (const uint8 *) buf->data, buf->len));
	hash_check(ctx, pg_cryptohash_final(ctx, out, AUDIT_HASH_LEN));
}
