/*
 * sha256.c: SHA-256 of audit records, with the digest looked up once per backend.
 *
 * PostgreSQL's cryptohash API (common/cryptohash_openssl.c) calls EVP_DigestInit_ex with
 * EVP_sha256() at every pg_cryptohash_init, and OpenSSL 3 fetches the algorithm from its
 * provider again at each such call: about 1 µs per record, three times the hashing itself.
 * When PostgreSQL is built with OpenSSL (USE_OPENSSL), the audit trail hashes through EVP
 * directly with a digest fetched once and one EVP_MD_CTX reused; otherwise through
 * pg_cryptohash as before.  Either way it is the same SHA-256 of the same bytes
 * (sql/audit_sha256.sql checks it against the server's sha256()).
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "audit/audit.h"

#ifdef USE_OPENSSL
#include <openssl/err.h>
#include <openssl/evp.h>

static EVP_MD_CTX *evp_ctx = NULL;
static const EVP_MD *evp_md = NULL;

static void
evp_failed(const char *what)
{
	unsigned long e = ERR_get_error();

	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not compute SHA-256: %s failed: %s", what,
					e ? ERR_reason_error_string(e) : "no reason given")));
}

/* The backend's digest and context, made once (they live as long as the process). */
static void
evp_prepare(void)
{
	if (evp_md == NULL)
	{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		evp_md = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
		evp_md = EVP_sha256();
#endif
		if (evp_md == NULL)
			evp_failed("EVP_MD_fetch");
	}
	if (evp_ctx == NULL)
	{
		evp_ctx = EVP_MD_CTX_new();
		if (evp_ctx == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
}

void
audit_sha256(const uint8 *data, size_t len, uint8 *out)
{
	unsigned int outlen = 0;

	evp_prepare();
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	if (EVP_DigestInit_ex2(evp_ctx, evp_md, NULL) != 1)
		evp_failed("EVP_DigestInit_ex2");
#else
	if (EVP_DigestInit_ex(evp_ctx, evp_md, NULL) != 1)
		evp_failed("EVP_DigestInit_ex");
#endif
	if (EVP_DigestUpdate(evp_ctx, data, len) != 1)
		evp_failed("EVP_DigestUpdate");
	if (EVP_DigestFinal_ex(evp_ctx, out, &outlen) != 1)
		evp_failed("EVP_DigestFinal_ex");
	if (outlen != AUDIT_HASH_LEN)
		elog(ERROR, "SHA-256 gave %u bytes", outlen);
}

#else							/* !USE_OPENSSL */

void
audit_sha256(const uint8 *data, size_t len, uint8 *out)
{
	pg_cryptohash_ctx *ctx = audit_shared_ctx();

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, data, len) < 0 ||
		pg_cryptohash_final(ctx, out, AUDIT_HASH_LEN) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", pg_cryptohash_error(ctx))));
}

#endif							/* USE_OPENSSL */

/* Encode a record after prev into buf and hash it (encode.c has the encoding). */
void
audit_digest(StringInfo buf, const uint8 *prev, const AuditRecord *r, uint8 *out)
{
	audit_encode(buf, prev, r);
	audit_sha256((const uint8 *) buf->data, buf->len, out);
}
