/*
 * encode.c: the canonical encoding of an audit record and its hash (the definition is at the
 * top of audit.c and in docs/audit.md), shared by append.c and audit.c.
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

/* Append one field of the canonical encoding to buf. */
static inline void
encode_field(StringInfo buf, const char *data, int len, bool isnull)
{
	uint8	   *p;

	if (isnull)
	{
		appendStringInfoCharMacro(buf, '\0');
		return;
	}
	if (buf->len + 5 + len >= buf->maxlen)
		enlargeStringInfo(buf, 5 + len);
	p = (uint8 *) buf->data + buf->len;
	p[0] = 0x01;
	p[1] = (uint8) ((uint32) len >> 24);
	p[2] = (uint8) ((uint32) len >> 16);
	p[3] = (uint8) ((uint32) len >> 8);
	p[4] = (uint8) len;
	if (len > 0)
		memcpy(p + 5, data, len);
	buf->len += 5 + len;
}

/* A decimal field: at most 20 digits and a sign, written straight into buf. */
static inline void
encode_int8_field(StringInfo buf, int64 v)
{
	char		num[MAXINT8LEN + 1];
	int			n = pg_lltoa(v, num);

	encode_field(buf, num, n, false);
}

/*
 * The canonical encoding of a record after prev (the hash's input) in buf, reset first (reused
 * across records, so it grows once): v1 or, with r->v2, v2 with the lane and the position in it
 * (docs/audit.md).
 */
void
audit_encode(StringInfo buf, const uint8 *prev, const AuditRecord *r)
{
	int64		unix_usec;
	int			need = sizeof(AUDIT_DOMAIN2) + AUDIT_HASH_LEN + 5 * (5 + MAXINT8LEN);

	for (int i = 0; i < 6; i++)
		need += 5 + r->textlen[i];
	resetStringInfo(buf);
	if (need >= buf->maxlen)
		enlargeStringInfo(buf, need);
	/* the domain with its NUL, then the previous hash */
	StaticAssertStmt(sizeof(AUDIT_DOMAIN2) == sizeof(AUDIT_DOMAIN), "audit domains differ in length");
	memcpy(buf->data, r->v2 ? AUDIT_DOMAIN2 : AUDIT_DOMAIN, sizeof(AUDIT_DOMAIN));
	memcpy(buf->data + sizeof(AUDIT_DOMAIN), prev, AUDIT_HASH_LEN);
	buf->len = sizeof(AUDIT_DOMAIN) + AUDIT_HASH_LEN;

	encode_int8_field(buf, r->seq);
	if (r->v2)
	{
		encode_int8_field(buf, r->lane);
		encode_int8_field(buf, r->lane_seq);
	}
	/*
	 * Exact over the whole range of timestamptz: from 294247-01-10 04:00:54.775808 UTC on (and
	 * at 'infinity') the sum exceeds int64 and is written from its unsigned value, which holds
	 * it (sv._audit_hash accepts any timestamptz; appends use the clock).
	 */
	if (!pg_add_s64_overflow(r->recorded_at,
							 (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY,
							 &unix_usec))
		encode_int8_field(buf, unix_usec);
	else
	{
		char		num[MAXINT8LEN + 1];
		int			n = pg_ulltoa_n((uint64) r->recorded_at +
									(uint64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY, num);

		encode_field(buf, num, n, false);
	}
	encode_field(buf, r->text[0], r->textlen[0], r->text[0] == NULL);	/* actor_session */
	encode_field(buf, r->text[1], r->textlen[1], r->text[1] == NULL);	/* actor_role */
	if (r->dept_null)
		encode_field(buf, NULL, 0, true);
	else
		encode_int8_field(buf, r->department_id);
	for (int i = 2; i < 6; i++)	/* object_kind, object_id, action, change */
		encode_field(buf, r->text[i], r->textlen[i], r->text[i] == NULL);
}

/*
 * Hash one record: the whole encoding is built in buf and fed to SHA-256 in one update, which
 * costs far less than one update per field.
 */
void
audit_compute(pg_cryptohash_ctx *ctx, StringInfo buf, const uint8 *prev, const AuditRecord *r, uint8 *out)
{
	audit_encode(buf, prev, r);
	hash_check(ctx, pg_cryptohash_init(ctx));
	hash_check(ctx, pg_cryptohash_update(ctx, (const uint8 *) buf->data, buf->len));
	hash_check(ctx, pg_cryptohash_final(ctx, out, AUDIT_HASH_LEN));
}
