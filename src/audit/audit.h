/*
 * audit.h: the audit chain's record encoding and hashing, shared by append and verify.
 */
#ifndef SV_AUDIT_H
#define SV_AUDIT_H

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#define AUDIT_DOMAIN "sv_platform/audit/v1"
#define AUDIT_DOMAIN2 "sv_platform/audit/v2"
#define AUDIT_HASH_LEN PG_SHA256_DIGEST_LENGTH
/* the first key of the lanes' advisory locks: 'svau' */
#define AUDIT_LANE_LOCK_KEY 0x73766175

/* What one record contributes to its hash; text fields point into (detoasted) datums. */
typedef struct AuditRecord
{
	int64		seq;
	TimestampTz recorded_at;
	const char *text[6];		/* actor_session, actor_role, object_kind, object_id, action, change */
	int			textlen[6];
	bool		dept_null;
	int32		department_id;
	bool		v2;				/* encoding v2: a lane's record (lane, lane_seq hashed) */
	int32		lane;
	int64		lane_seq;
} AuditRecord;

/*
 * Where audit_encode_to writes the encoding: a writer called with its pieces in order, and a
 * small stage that gathers the short ones (a value of AUDIT_DIRECT_LEN bytes or more goes to
 * the writer from where it lies).
 */
#define AUDIT_STAGE_LEN 256
#define AUDIT_DIRECT_LEN 64
typedef void (*AuditWriteFn) (void *arg, const uint8 *data, size_t len);
typedef struct AuditSink
{
	AuditWriteFn write;
	void	   *arg;
	int			len;			/* bytes in stage */
	uint8		stage[AUDIT_STAGE_LEN];
} AuditSink;

/* sv.audit_verify's settings (audit.c) */
extern int	sv_audit_verify_workers;
extern int	sv_audit_verify_min_parallel_size;
extern bool sv_audit_verify_crosscheck;
extern void audit_define_gucs(void);

extern pg_cryptohash_ctx *audit_hash_ctx(void);
extern pg_cryptohash_ctx *audit_shared_ctx(void);
extern bool audit_pending_head_v1(int64 *seq, uint8 *hash);
extern Datum audit_append_v1(FunctionCallInfo fcinfo);
extern bool audit_pending_head(int32 *lane, int64 *lane_seq, int64 *seq, uint8 *hash);
extern void audit_encode_to(AuditSink *s, const uint8 *prev, const AuditRecord *r);
extern void audit_encode(StringInfo buf, const uint8 *prev, const AuditRecord *r);
extern void audit_compute(pg_cryptohash_ctx *ctx, StringInfo buf, const uint8 *prev,
						  const AuditRecord *r, uint8 *out);
/*
 * sha256.c: the same hash, the encoding hashed in pieces as audit_encode_to writes them
 * (OpenSSL's libcrypto; pg_cryptohash without OpenSSL); audit_hash_backend names the one built in.
 */
extern void audit_digest(const uint8 *prev, const AuditRecord *r, uint8 *out);
extern const char *audit_hash_backend(void);

#endif
