/*
 * push.h: the outbox push worker (launcher, worker, shared state, wake-up at commit).
 */
#ifndef SV_PUSH_H
#define SV_PUSH_H

#include "postgres.h"

#include "storage/latch.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

/* GUCs (defined in push_shmem.c, registered by sv_push_define_gucs) */
extern bool sv_push_enabled;
extern char *sv_push_database;
extern char *sv_push_allowed_hosts;
extern int	sv_push_max_in_flight;
extern int	sv_push_retry_base_ms;
extern int	sv_push_retry_max_ms;
extern int	sv_push_attempt_retention;

/* State shared by the worker and the backends that wake it. */
typedef struct PushShared
{
	slock_t		mutex;
	Latch	   *worker_latch;	/* NULL while no worker runs */
	pid_t		worker_pid;
	TimestampTz started_at;
	TimestampTz last_claim_at;
	uint64		claims;			/* claim transactions run (an idle worker runs none) */
	uint64		delivered;
	uint64		retried;
	uint64		failed;
	uint64		dead;
	int			in_flight;
} PushShared;

extern PushShared *sv_push_shared;

extern void sv_push_define_gucs(void);
extern void sv_push_preload(void);

/* The outbox's URL rule (url.c): no palloc, no error, callable in libcurl's callbacks. */
#define SV_URL_MAX_LEN 2048
#define SV_URL_HOST_MAX 253
typedef struct SvUrl
{
	char		scheme[8];		/* http or https */
	char		host[SV_URL_HOST_MAX + 1];	/* lower case; an IPv6 literal in brackets */
	int			port;			/* the default port when none is written */
} SvUrl;

/* NULL when url follows the rule (*out filled), else the problem; *normalized: curl_free it */
extern const char *sv_url_parse(const char *url, SvUrl *out, char **normalized);
extern bool sv_host_allowed(const char *host);

/* background worker entry points */
extern PGDLLEXPORT void sv_push_launcher_main(Datum arg);
extern PGDLLEXPORT void sv_push_main(Datum arg);

#endif
