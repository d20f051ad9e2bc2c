/*
 * fuzz/audit.c: libFuzzer target for the audit record encoder (src/audit/encode.c:
 * audit_encode, audit_compute; src/audit/sha256.c: audit_digest), the input of every audit chain
 * hash.
 *
 * Input: a record: prev hash (32 bytes), seq and recorded_at (int64), department_id (int32),
 * a null mask (bit 7: encoding v2, whose lane is department_id's bytes and lane_seq
 * seq ^ recorded_at), then the six text fields, each a 2-byte length and its bytes (missing
 * bytes make the rest empty).  Properties:
 *   - the encoding is deterministic (and independent of what buf held before);
 *   - it decodes, by the definition in docs/audit.md written out here again, into exactly the
 *     record: domain tag (v1 or v2) with its NUL, prev, then nine fields (eleven in v2: lane and
 *     lane_seq after seq), NULL as 0x00, a value as 0x01,
 *     u32be length and the bytes; seq and department_id in decimal, recorded_at as the exact
 *     decimal microseconds since 1970-01-01 (computed in 128 bits);
 *   - audit_compute's hash is SHA-256 of that encoding (OpenSSL computes it again).
 */
#include "postgres.h"

#include <string.h>

#include <openssl/sha.h>

#include "audit/audit.h"
#include "common/cryptohash.h"
#include "lib/stringinfo.h"

#include "shim.h"

#define UNIX_OFFSET_USEC ((int64) 946684800 * 1000000)	/* 1970-01-01 to 2000-01-01 */

/* the exact decimal of a 128-bit signed integer */
static int
decimal128(__int128 v, char *out)
{
	char		tmp[64];
	int			n = 0,
				len = 0;
	unsigned __int128 u = v < 0 ? -(unsigned __int128) v : (unsigned __int128) v;

	do
	{
		tmp[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u > 0);
	if (v < 0)
		out[len++] = '-';
	while (n > 0)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

/* read one field at *pos; false for NULL */
static bool
field(const StringInfo buf, int *pos, const char **data, int *len)
{
	const uint8 *p = (const uint8 *) buf->data;

	FUZZ_CHECK(*pos < buf->len, "encoding ends before a field");
	if (p[*pos] == 0x00)
	{
		(*pos)++;
		return false;
	}
	FUZZ_CHECK(p[*pos] == 0x01 && *pos + 5 <= buf->len, "bad field header at %d", *pos);
	*len = (int) (((uint32) p[*pos + 1] << 24) | ((uint32) p[*pos + 2] << 16) | ((uint32) p[*pos + 3] << 8) | p[*pos + 4]);
	*pos += 5;
	FUZZ_CHECK(*len >= 0 && *pos + *len <= buf->len, "field of %d bytes at %d overruns %d", *len, *pos, buf->len);
	*data = buf->data + *pos;
	*pos += *len;
	return true;
}

static void
expect_number(const StringInfo buf, int *pos, __int128 v, const char *what)
{
	char		want[64];
	const char *data;
	int			len;
	int			wlen = decimal128(v, want);

	FUZZ_CHECK(field(buf, pos, &data, &len), "%s is NULL", what);
	FUZZ_CHECK(len == wlen && memcmp(data, want, len) == 0, "%s is \"%.*s\", not %s", what, len, data, want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	AuditRecord r;
	uint8		prev[AUDIT_HASH_LEN];
	uint8		mask;
	size_t		pos = 0;
	StringInfoData a,
				b;
	int			at,
				len;
	const char *fdata;
	uint8		hash[AUDIT_HASH_LEN],
				want[AUDIT_HASH_LEN];
	pg_cryptohash_ctx *ctx;

	if (size < AUDIT_HASH_LEN + 8 + 8 + 4 + 1 || size > 1 << 16)
		return -1;
	memset(&r, 0, sizeof(r));
	memcpy(prev, data, AUDIT_HASH_LEN);
	pos = AUDIT_HASH_LEN;
	memcpy(&r.seq, data + pos, 8);
	pos += 8;
	memcpy(&r.recorded_at, data + pos, 8);
	pos += 8;
	memcpy(&r.department_id, data + pos, 4);
	pos += 4;
	mask = data[pos++];
	r.dept_null = mask & 0x40;
	r.v2 = (mask & 0x80) != 0;
	if (r.v2)
	{
		r.lane = r.department_id;
		r.lane_seq = r.seq ^ r.recorded_at;
	}
	for (int i = 0; i < 6; i++)
	{
		int			flen = 0;

		if (pos + 2 <= size)
		{
			flen = data[pos] | (data[pos + 1] << 8);
			pos += 2;
		}
		if (flen > (int) (size - pos))
			flen = (int) (size - pos);
		if (mask & (1 << i))
		{
			r.text[i] = NULL;
			r.textlen[i] = 0;
		}
		else
		{
			r.text[i] = (const char *) data + pos;
			r.textlen[i] = flen;
		}
		pos += flen;
	}

	initStringInfo(&a);
	initStringInfo(&b);
	appendStringInfoString(&b, "left over from the previous record");
	audit_encode(&a, prev, &r);
	audit_encode(&b, prev, &r);
	FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "encoding not deterministic");

	/* decode */
	FUZZ_CHECK(a.len >= (int) sizeof(AUDIT_DOMAIN) + AUDIT_HASH_LEN &&
			   memcmp(a.data, r.v2 ? AUDIT_DOMAIN2 : AUDIT_DOMAIN, sizeof(AUDIT_DOMAIN)) == 0, "domain tag");
	at = sizeof(AUDIT_DOMAIN);
	FUZZ_CHECK(memcmp(a.data + at, prev, AUDIT_HASH_LEN) == 0, "prev hash");
	at += AUDIT_HASH_LEN;
	expect_number(&a, &at, r.seq, "seq");
	if (r.v2)
	{
		expect_number(&a, &at, r.lane, "lane");
		expect_number(&a, &at, r.lane_seq, "lane_seq");
	}
	expect_number(&a, &at, (__int128) r.recorded_at + UNIX_OFFSET_USEC, "recorded_at");
	for (int i = 0; i < 7; i++)
	{
		/* fields in order: actor_session, actor_role, department_id, object_kind, object_id, action, change */
		if (i == 2)
		{
			if (r.dept_null)
				FUZZ_CHECK(!field(&a, &at, &fdata, &len), "department_id not NULL");
			else
				expect_number(&a, &at, r.department_id, "department_id");
			continue;
		}
		{
			int			t = i < 2 ? i : i - 1;

			if (r.text[t] == NULL)
				FUZZ_CHECK(!field(&a, &at, &fdata, &len), "text %d not NULL", t);
			else
				FUZZ_CHECK(field(&a, &at, &fdata, &len) && len == r.textlen[t] &&
						   memcmp(fdata, r.text[t], len) == 0, "text %d differs", t);
		}
	}
	FUZZ_CHECK(at == a.len, "%d bytes after the last field", a.len - at);

	/* the hash */
	ctx = pg_cryptohash_create(PG_SHA256);
	FUZZ_CHECK(ctx != NULL, "no hash context");
	FUZZ_CHECK(FUZZ_TRY(audit_compute(ctx, &b, prev, &r, hash)), "audit_compute: %s", fuzz_error_message);
	pg_cryptohash_free(ctx);
	SHA256((const unsigned char *) a.data, a.len, want);
	FUZZ_CHECK(memcmp(hash, want, AUDIT_HASH_LEN) == 0, "hash is not SHA-256 of the encoding");
	/* the server's hash: the encoding hashed in pieces as it is written (src/audit/sha256.c) */
	FUZZ_CHECK(FUZZ_TRY(audit_digest(prev, &r, hash)), "audit_digest: %s", fuzz_error_message);
	FUZZ_CHECK(memcmp(hash, want, AUDIT_HASH_LEN) == 0, "audit_digest is not SHA-256 of the encoding");

	pfree(a.data);
	pfree(b.data);
	return 0;
}
