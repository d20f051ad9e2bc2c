/*
 * audit.h: the audit chain's record encoding and hashing, shared by append and verify.
 */
#ifndef SV_AUDIT_H
#define SV_AUDIT_H

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#define AUDIT_DOMAIN "sv_platform/audit/v1"
#define AUDIT_HASH_LEN PG_SHA256_DIGEST_LENGTH

/* What one record contributes to its hash; text fields point into (detoasted) datums. */
typedef struct AuditRecord
{
	int64		seq;
	TimestampTz recorded_at;
	const char *text[6];		/* actor_session, actor_role, object_kind, object_id, action, change */
	int			textlen[6];
	bool		dept_null;
	int32		department_id;
} AuditRecord;

extern pg_cryptohash_ctx *audit_hash_ctx(void);
extern pg_cryptohash_ctx *audit_shared_ctx(void);
extern bool audit_pending_head(int64 *seq, uint8 *hash);
extern void audit_encode(StringInfo buf, const uint8 *prev, const AuditRecord *r);
extern void audit_compute(pg_cryptohash_ctx *ctx, StringInfo buf, const uint8 *prev,
						  const AuditRecord *r, uint8 *out);

#endif
