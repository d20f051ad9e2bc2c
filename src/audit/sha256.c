/*
 * sha256.c: SHA-256 of audit records, hashed in pieces as encode.c writes the encoding.
 *
 * PostgreSQL's cryptohash API (common/cryptohash_openssl.c) calls EVP_DigestInit_ex with
 * EVP_sha256() at every pg_cryptohash_init, and OpenSSL 3 fetches the algorithm from its
 * provider again at each such call: about 1 µs per record, three times the hashing itself.
 * When PostgreSQL is built with OpenSSL (USE_OPENSSL), the audit trail hashes with libcrypto's
 * SHA-256 functions directly; otherwise through pg_cryptohash, one context per backend
 * (audit_hash_backend names the one built in; sv.build_info() reports it).  Either way it is the
 * same SHA-256 of the same bytes (sql/audit_sha256.sql checks it against the server's sha256(),
 * the fuzz target fuzz/audit.c against SHA-256 of audit_encode's buffer).
 *
 * The encoding is not built and then hashed: audit_encode_to hands its pieces to the hash as
 * they come (the fixed fields and short texts gathered in its small stage, a long value
 * straight from the tuple), so a record's bytes are read once, by the hash.
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "audit/audit.h"

#ifdef USE_OPENSSL
#include <openssl/sha.h>

/*
 * libcrypto's SHA256_Init/Update/Final on a context on the stack: the same compression
 * function (SHA-NI where the CPU has it) as OpenSSL's EVP digest, without EVP's dispatch, its
 * per-call checks and its context (measured on this machine for a 310-byte record: 199 ns in
 * one update and 210 ns in two, against 229 and 255 ns through EVP with the digest fetched
 * once; pg_cryptohash fetches it for every record, ~450 ns).  OpenSSL 3 declares these
 * functions deprecated; PostgreSQL's OPENSSL_API_COMPAT (pg_config.h) keeps them without a
 * warning, and every OpenSSL from 0.9.8 to 3.x has them.
 */
static void
sha_write(void *arg, const uint8 *data, size_t len)
{
	if (SHA256_Update((SHA256_CTX *) arg, data, len) != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not compute SHA-256")));
}

void
audit_digest(const uint8 *prev, const AuditRecord *r, uint8 *out)
{
	SHA256_CTX	ctx;
	AuditSink	s;

	if (SHA256_Init(&ctx) != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not compute SHA-256")));
	s.write = sha_write;
	s.arg = &ctx;
	s.len = 0;
	audit_encode_to(&s, prev, r);
	if (SHA256_Final(out, &ctx) != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not compute SHA-256")));
}

const char *
audit_hash_backend(void)
{
	return "OpenSSL libcrypto";
}

#else							/* !USE_OPENSSL */

static void
cryptohash_write(void *arg, const uint8 *data, size_t len)
{
	pg_cryptohash_ctx *ctx = (pg_cryptohash_ctx *) arg;

	if (pg_cryptohash_update(ctx, data, len) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", pg_cryptohash_error(ctx))));
}

void
audit_digest(const uint8 *prev, const AuditRecord *r, uint8 *out)
{
	pg_cryptohash_ctx *ctx = audit_shared_ctx();
	AuditSink	s;

	if (pg_cryptohash_init(ctx) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", pg_cryptohash_error(ctx))));
	s.write = cryptohash_write;
	s.arg = ctx;
	s.len = 0;
	audit_encode_to(&s, prev, r);
	if (pg_cryptohash_final(ctx, out, AUDIT_HASH_LEN) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", pg_cryptohash_error(ctx))));
}

const char *
audit_hash_backend(void)
{
	return "pg_cryptohash";
}

#endif							/* USE_OPENSSL */
