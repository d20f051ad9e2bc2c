/*
 * push_shmem.c: the push worker's GUCs, its shared state, the launcher's registration, the
 * wake-up of the worker when a transaction that queued a message commits, and its status.
 *
 * Waking at commit (not at sv.outbox_send) matters: the worker must not look for a message
 * before it is visible, and must not sleep a fixed interval after it is.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "push/push.h"

bool		sv_push_enabled = false;
char	   *sv_push_database = NULL;
char	   *sv_push_allowed_hosts = NULL;
int			sv_push_max_in_flight = 64;
int			sv_push_retry_base_ms = 1000;
int			sv_push_retry_max_ms = 3600000;
int			sv_push_attempt_retention = 43200;	/* minutes: 30 days */

PushShared *sv_push_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void
sv_push_define_gucs(void)
{
	DefineCustomBoolVariable("sv.push_enabled",
							 "Run the push worker that delivers the outbox.",
							 "Needs sv_platform in shared_preload_libraries; takes effect on reload.",
							 &sv_push_enabled, false, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("sv.push_database",
							   "Database in which the push worker delivers the outbox.",
							   "The worker waits quietly until this database and the extension exist; "
							   "on reload to another database the worker moves there.",
							   &sv_push_database, "postgres", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("sv.push_allowed_hosts",
							   "Hosts the platform may send messages to (comma-separated).",
							   "An entry \".example.org\" allows its subdomains.  Empty allows none: "
							   "sv.outbox_send refuses endpoints elsewhere and the worker never contacts them.",
							   &sv_push_allowed_hosts, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("sv.push_max_in_flight",
							"Most HTTP requests the push worker has in flight at once.",
							"Each endpoint's max_concurrent limits it further.",
							&sv_push_max_in_flight, 64, 1, 1024, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("sv.push_retry_base_ms",
							"First retry delay of a message; it doubles with each attempt.",
							"Each delay is drawn between half and all of base * 2^(attempt - 1), at most sv.push_retry_max_ms.",
							&sv_push_retry_base_ms, 1000, 10, 600000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("sv.push_retry_max_ms",
							"Longest retry delay of a message.",
							NULL,
							&sv_push_retry_max_ms, 3600000, 10, 86400000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("sv.push_attempt_retention",
							"How long sv.outbox_cleanup() keeps delivery attempts and delivered messages.",
							NULL,
							&sv_push_attempt_retention, 43200, 60, INT_MAX / 60, PGC_SIGHUP, GUC_UNIT_MIN,
							NULL, NULL, NULL);
}

static void
push_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(PushShared)));
}

static void
push_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	sv_push_shared = ShmemInitStruct("sv_platform push", sizeof(PushShared), &found);
	if (!found)
	{
		memset(sv_push_shared, 0, sizeof(PushShared));
		SpinLockInit(&sv_push_shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Called from _PG_init while shared_preload_libraries is processed. */
void
sv_push_preload(void)
{
	BackgroundWorker w;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = push_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = push_shmem_startup;

	/*
	 * The launcher always runs (cheaply idle while sv.push_enabled is off), so that enabling
	 * the worker is a reload, not a restart.
	 */
	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	w.bgw_start_time = BgWorkerStart_RecoveryFinished;
	w.bgw_restart_time = 10;
	snprintf(w.bgw_library_name, BGW_MAXLEN, "sv_platform");
	snprintf(w.bgw_function_name, BGW_MAXLEN, "sv_push_launcher_main");
	snprintf(w.bgw_name, BGW_MAXLEN, "sv_platform push launcher");
	snprintf(w.bgw_type, BGW_MAXLEN, "sv_platform push launcher");
	RegisterBackgroundWorker(&w);
}

/* Wake-up at commit: one transaction callback per backend, armed by sv.outbox_send. */
static bool wake_armed = false;
static bool wake_callback_registered = false;

static void
push_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_armed && sv_push_shared != NULL)
			{
				Latch	   *latch;

				SpinLockAcquire(&sv_push_shared->mutex);
				latch = sv_push_shared->worker_latch;
				SpinLockRelease(&sv_push_shared->mutex);
				if (latch != NULL)
					SetLatch(latch);
			}
			wake_armed = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			wake_armed = false;
			break;
		default:
			break;
	}
}

PG_FUNCTION_INFO_V1(sv_push_wake_at_commit);
Datum
sv_push_wake_at_commit(PG_FUNCTION_ARGS)
{
	if (sv_push_shared == NULL)		/* not preloaded: no worker to wake */
		PG_RETURN_VOID();
	if (!wake_callback_registered)
	{
		RegisterXactCallback(push_xact_callback, NULL);
		wake_callback_registered = true;
	}
	wake_armed = true;
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(sv_push_worker_status);
Datum
sv_push_worker_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9];
	PushShared	copy;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(nulls, 0, sizeof(nulls));
	memset(&copy, 0, sizeof(copy));
	if (sv_push_shared != NULL)
	{
		SpinLockAcquire(&sv_push_shared->mutex);
		copy = *sv_push_shared;
		SpinLockRelease(&sv_push_shared->mutex);
	}
	values[0] = Int32GetDatum(copy.worker_pid);
	nulls[0] = copy.worker_pid == 0;
	values[1] = TimestampTzGetDatum(copy.started_at);
	nulls[1] = copy.started_at == 0;
	values[2] = Int64GetDatum((int64) copy.delivered);
	values[3] = Int64GetDatum((int64) copy.retried);
	values[4] = Int64GetDatum((int64) copy.failed);
	values[5] = Int64GetDatum((int64) copy.dead);
	values[6] = Int32GetDatum(copy.in_flight);
	values[7] = TimestampTzGetDatum(copy.last_claim_at);
	nulls[7] = copy.last_claim_at == 0;
	values[8] = Int64GetDatum((int64) copy.claims);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
