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
static void
encode_field(StringInfo buf, const char *data, int len, bool isnull)
{
	uint8		hdr[5];

	if (isnull)
	{
		appendStringInfoCharMacro(buf, '\0');
		return;
	}
	hdr[0] = 0x01;
	hdr[1] = (uint8) ((uint32) len >> 24);
	hdr[2] = (uint8) ((uint32) len >> 16);
	hdr[3] = (uint8) ((uint32) len >> 8);
	hdr[4] = (uint8) len;
	appendBinaryStringInfo(buf, (const char *) hdr, 5);
	if (len > 0)
		appendBinaryStringInfo(buf, data, len);
}

/* The canonical encoding of a record after prev (the hash's input) in buf, reset first: v1 or,
 * with r->v2, v2 with the lane and the position in it (docs/audit.md). */
void
audit_encode(StringInfo buf, const uint8 *prev, const AuditRecord *r)
{
	char		num[MAXINT8LEN + 1];
	int			n;
	int64		unix_usec;

	resetStringInfo(buf);
	if (r->v2)
		appendBinaryStringInfo(buf, AUDIT_DOMAIN2, sizeof(AUDIT_DOMAIN2));	/* with its NUL */
	else
		appendBinaryStringInfo(buf, AUDIT_DOMAIN, sizeof(AUDIT_DOMAIN));
	appendBinaryStringInfo(buf, (const char *) prev, AUDIT_HASH_LEN);

	n = pg_lltoa(r->seq, num);
	encode_field(buf, num, n, false);
	if (r->v2)
	{
		n = pg_ltoa(r->lane, num);
		encode_field(buf, num, n, false);
		n = pg_lltoa(r->lane_seq, num);
		encode_field(buf, num, n, false);
	}
	/*
	 * Exact over the whole range of timestamptz: from 294247-01-10 04:00:54.775808 UTC on (and
	 * at 'infinity') the sum exceeds int64 and is written from its unsigned value, which holds
	 * it (sv._audit_hash accepts any timestamptz; appends use the clock).
	 */
	if (!pg_add_s64_overflow(r->recorded_at,
							 (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY,
							 &unix_usec))
		n = pg_lltoa(unix_usec, num);
	else
		n = pg_ulltoa_n((uint64) r->recorded_at +
						(uint64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY, num);
	encode_field(buf, num, n, false);
	encode_field(buf, r->text[0], r->textlen[0], r->text[0] == NULL);	/* actor_session */
	encode_field(buf, r->text[1], r->textlen[1], r->text[1] == NULL);	/* actor_role */
	if (r->dept_null)
		encode_field(buf, NULL, 0, true);
	else
	{
		n = pg_ltoa(r->department_id, num);
		encode_field(buf, num, n, false);
	}
	for (int i = 2; i < 6; i++)	/* object_kind, object_id, action, change */
		encode_field(buf, r->text[i], r->textlen[i], r->text[i] == NULL);
}

/*
 * Hash one record: the whole encoding is built in buf (reset here, reused across records) and
 * fed to SHA-256 in one update, which costs far less than one update per field.
 */
void
audit_compute(pg_cryptohash_ctx *ctx, StringInfo buf, const uint8 *prev, const AuditRecord *r, uint8 *out)
{
	audit_encode(buf, prev, r);
	hash_check(ctx, pg_cryptohash_init(ctx));
	hash_check(ctx, pg_cryptohash_update(ctx, (const uint8 *) buf->data, buf->len));
	hash_check(ctx, pg_cryptohash_final(ctx, out, AUDIT_HASH_LEN));
}

