/*
 * worker.c: the launcher and the push worker that deliver sv.outbox with libcurl's multi
 * interface.
 *
 * The launcher (a static background worker, connected to no database) waits until
 * sv.push_enabled is on and sv.push_database exists, then starts the worker as a dynamic
 * background worker and restarts it if it exits.  So a missing database is a quiet wait, not a
 * crash loop.
 *
 * The worker: claims due messages in a short transaction (FOR UPDATE SKIP LOCKED, a lease per
 * message), performs the requests outside any transaction (many at once, per-request
 * timeouts), and records the outcomes of finished requests in another short transaction.
 * Nothing is deleted before it is delivered: a worker that dies leaves its messages in flight
 * with a lease, and the next worker puts them back in the queue at start.  A message may so be
 * delivered twice, always under the same Idempotency-Key.  It sleeps on its latch, which a
 * committing sender sets, or until the next retry is due.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "catalog/pg_type.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "push/push.h"

#define LEASE_MARGIN_MS 30000	/* lease = request timeout + this */
#define BUSY_POLL_MS 20			/* curl poll slice while requests are in flight */
#define IDLE_MAX_MS 60000		/* longest sleep without a due message */
#define LOCKED_PAUSE_MS 100		/* pause before retrying a due message the claim skipped */
#define RECORD_BATCH 32			/* finished requests recorded together ... */
#define RECORD_WAIT_MS 5		/* ... or after this long, whichever comes first */
#define SNIPPET 200				/* bytes of a failed response kept as its error */
#define ENDPOINT_NAME_LEN 65	/* sv.endpoint.name: at most 64 characters */

typedef struct Transfer
{
	dlist_node	node;			/* in live_transfers while it has an easy handle */
	MemoryContext cxt;			/* holds the transfer; deleted when it is recorded */
	CURL	   *easy;
	bool		in_multi;		/* added to the multi handle */
	char	   *setup_error;	/* not sent: an option could not be set (a send failure) */
	int64		id;
	int32		attempt;
	char		endpoint[ENDPOINT_NAME_LEN];
	TimestampTz started;
	struct curl_slist *headers;
	char	   *body;
	char		errbuf[CURL_ERROR_SIZE];
	char		snippet[SNIPPET + 1];
	size_t		snippet_len;
	bool		refused;		/* not sent: the host is not allowed */
	bool		refused_later;	/* stopped before connecting: a redirect (or the first
								 * request after a reload) to a host not allowed */
	bool		refused_redirect;
	char		refused_host[256];
} Transfer;

typedef struct PushResult
{
	int64		id;
	int32		attempt;
	char		endpoint[ENDPOINT_NAME_LEN];
	TimestampTz started;
	int32		duration_ms;
	int32		status;			/* 0 with has_status: refused before sending */
	bool		has_status;
	char	   *error;			/* NULL when none */
} PushResult;

static MemoryContext transfer_cxt = NULL;

/*
 * The worker's messages in flight per endpoint (claimed, not yet recorded), kept here and
 * passed to every claim, which so counts nothing in sv.outbox (issue 20).  The worker is the
 * only claimer; at its start every message left in flight is queued again (recover_orphans).
 */
typedef struct EndpointBusy
{
	char		name[ENDPOINT_NAME_LEN];	/* hash key */
	int			in_flight;
} EndpointBusy;

static HTAB *endpoint_busy = NULL;

/* The worker's statements, planned once (SPI_prepare, SPI_keepplan) and kept. */
static SPIPlanPtr claim_plan = NULL;
static SPIPlanPtr record_plan = NULL;
static SPIPlanPtr next_due_plan = NULL;

/*
 * libcurl's state in the worker, released by push_curl_cleanup at process exit (on_proc_exit):
 * curl_global_init ran, the multi handle, and the transfers whose easy handles are alive.
 */
static bool curl_initialized = false;
static CURLM *push_multi = NULL;
static dlist_head live_transfers = DLIST_STATIC_INIT(live_transfers);

/* ---------------------------------------------------------------------------------------- */
/* launcher */

/*
 * The OID of sv.push_database, or InvalidOid.  Connected to no database, the launcher can only
 * read shared catalogs, and only by a plain heap scan (no syscache, no index).
 */
static Oid
push_database_oid(void)
{
	Oid			oid = InvalidOid;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;

	StartTransactionCommand();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (strcmp(NameStr(db->datname), sv_push_database) == 0)
		{
			oid = db->oid;
			break;
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return oid;
}

void
sv_push_launcher_main(Datum arg)
{
	BackgroundWorkerHandle *handle = NULL;
	TimestampTz last_exit = 0;
	bool		said_waiting = false;
	Oid			worker_db = InvalidOid;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("sv_platform push launcher");

	for (;;)
	{
		long		nap = 10000;
		pid_t		pid;
		Oid			dboid = InvalidOid;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		if (handle != NULL && GetBackgroundWorkerPid(handle, &pid) == BGWH_STOPPED)
		{
			pfree(handle);
			handle = NULL;
			last_exit = GetCurrentTimestamp();
		}
		if (sv_push_enabled)
			dboid = push_database_oid();

		if (!sv_push_enabled || (handle != NULL && dboid != worker_db))
		{
			/* turned off, or sv.push_database now names another database (or none) */
			if (handle != NULL)
			{
				TerminateBackgroundWorker(handle);
				nap = 1000;
			}
			said_waiting = false;
		}
		else if (handle == NULL)
		{
			if (last_exit != 0 && !TimestampDifferenceExceeds(last_exit, GetCurrentTimestamp(), 5000))
				nap = 1000;		/* a worker that just exited: give it a moment */
			else if (!OidIsValid(dboid))
			{
				if (!said_waiting)
					ereport(LOG,
							(errmsg("sv_platform push: waiting for database \"%s\" (sv.push_database)",
									sv_push_database)));
				said_waiting = true;
			}
			else
			{
				BackgroundWorker w;

				said_waiting = false;
				memset(&w, 0, sizeof(w));
				w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
				w.bgw_start_time = BgWorkerStart_RecoveryFinished;
				w.bgw_restart_time = BGW_NEVER_RESTART;
				snprintf(w.bgw_library_name, BGW_MAXLEN, "sv_platform");
				snprintf(w.bgw_function_name, BGW_MAXLEN, "sv_push_main");
				snprintf(w.bgw_name, BGW_MAXLEN, "sv_platform push worker");
				snprintf(w.bgw_type, BGW_MAXLEN, "sv_platform push worker");
				w.bgw_main_arg = ObjectIdGetDatum(dboid);
				w.bgw_notify_pid = MyProcPid;
				if (RegisterDynamicBackgroundWorker(&w, &handle))
					worker_db = dboid;
				else
				{
					handle = NULL;
					ereport(WARNING,
							(errmsg("sv_platform push: could not start the push worker"),
							 errhint("Raise max_worker_processes.")));
				}
			}
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, nap, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* worker: database side */

static void
push_detach(int code, Datum arg)
{
	if (sv_push_shared == NULL)
		return;
	SpinLockAcquire(&sv_push_shared->mutex);
	sv_push_shared->worker_latch = NULL;
	sv_push_shared->worker_pid = 0;
	sv_push_shared->in_flight = 0;
	SpinLockRelease(&sv_push_shared->mutex);
}

/*
 * The memory context current at begin_tx, made current again by end_tx: a commit leaves
 * TopMemoryContext current, where what the loop allocates next (the claim's and the record's
 * arrays) would never be freed.
 */
static MemoryContext tx_caller_cxt = NULL;

static void
begin_tx(const char *what)
{
	tx_caller_cxt = CurrentMemoryContext;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, what);
}

static void
end_tx(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(tx_caller_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* A statement planned once and kept for the worker's life (in a transaction, SPI connected). */
static SPIPlanPtr
keep_plan(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "sv_platform push: could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	return plan;
}

/* The kept plans dropped (the extension was dropped or changed: prepared again when back). */
static void
free_plans(void)
{
	if (claim_plan)
		SPI_freeplan(claim_plan);
	if (record_plan)
		SPI_freeplan(record_plan);
	if (next_due_plan)
		SPI_freeplan(next_due_plan);
	claim_plan = record_plan = next_due_plan = NULL;
}

static EndpointBusy *
busy_entry(const char *name)
{
	char		key[ENDPOINT_NAME_LEN];
	EndpointBusy *b;
	bool		found;

	memset(key, 0, sizeof(key));
	strlcpy(key, name, sizeof(key));
	b = (EndpointBusy *) hash_search(endpoint_busy, key, HASH_ENTER, &found);
	if (!found)
		b->in_flight = 0;
	return b;
}

/*
 * The version of sv_platform installed here, or NULL when it is not (palloc'd).  The worker
 * works only with the schema of its own version: after a new library is installed, a database
 * still at an older version waits for ALTER EXTENSION sv_platform UPDATE (docs/upgrades.md).
 */
static char *
installed_version(void)
{
	MemoryContext caller = CurrentMemoryContext;
	char	   *version = NULL;

	begin_tx("sv_platform push: extension version");
	if (SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'sv_platform'", true, 1)
		!= SPI_OK_SELECT)
		elog(ERROR, "sv_platform push: extension version query failed");
	if (SPI_processed == 1)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		version = MemoryContextStrdup(caller, v);
	}
	end_tx();
	MemoryContextSwitchTo(caller);
	return version;
}

/*
 * Milliseconds until the next pending message of an enabled endpoint is due (IDLE_MAX_MS at
 * most).  Called after a claim found nothing: a message due already is one the claim could not
 * take (its row locked by another transaction), so it is looked at again after a short pause
 * rather than in a busy loop.
 */
static long
next_due_ms(void)
{
	long		ms = IDLE_MAX_MS;
	bool		isnull;
	Datum		d;

	begin_tx("sv_platform push: next due");
	/* each enabled endpoint's first due message, along outbox_endpoint_due_idx */
	if (next_due_plan == NULL)
		next_due_plan = keep_plan("SELECT ceil(extract(epoch FROM min(d.next_attempt_at) - clock_timestamp()) * 1000)::int8 "
								  "FROM sv.endpoint e CROSS JOIN LATERAL ("
								  "SELECT o.next_attempt_at FROM sv.outbox o WHERE o.endpoint = e.name AND o.status = 'pending' "
								  "ORDER BY o.next_attempt_at LIMIT 1) d WHERE e.enabled", 0, NULL);
	if (SPI_execute_plan(next_due_plan, NULL, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "sv_platform push: next-due query failed");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		ms = Max(LOCKED_PAUSE_MS, Min(DatumGetInt64(d), IDLE_MAX_MS));
	end_tx();
	return ms;
}

static int
recover_orphans(void)
{
	int64		n;
	bool		isnull;

	begin_tx("sv_platform push: recover");
	if (SPI_execute("SELECT sv._outbox_recover()", false, 1) != SPI_OK_SELECT)
		elog(ERROR, "sv_platform push: recovery failed");
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	end_tx();
	return (int) n;
}

/* ---------------------------------------------------------------------------------------- */
/* worker: HTTP side */

static size_t
keep_snippet(char *data, size_t size, size_t nmemb, void *userdata)
{
	Transfer   *t = (Transfer *) userdata;
	size_t		n = size * nmemb;
	size_t		room = SNIPPET - t->snippet_len;

	if (room > 0)
	{
		memcpy(t->snippet + t->snippet_len, data, Min(room, n));
		t->snippet_len += Min(room, n);
		t->snippet[t->snippet_len] = '\0';
	}
	return n;
}

static char *
text_field(HeapTuple tup, TupleDesc desc, int col)
{
	char	   *v = SPI_getvalue(tup, desc, col);

	return v ? v : pstrdup("");
}

/* "sha256=" + hex HMAC-SHA256(secret, timestamp "." body), with PostgreSQL's own HMAC */
static char *
sign_body(const char *secret, const char *timestamp, const char *body)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	char	   *out;

	if (ctx == NULL ||
		pg_hmac_init(ctx, (const uint8 *) secret, strlen(secret)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) timestamp, strlen(timestamp)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) ".", 1) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) body, strlen(body)) < 0 ||
		pg_hmac_final(ctx, mac, sizeof(mac)) < 0)
		elog(ERROR, "sv_platform push: HMAC failed: %s", ctx ? pg_hmac_error(ctx) : "out of memory");
	pg_hmac_free(ctx);
	out = palloc(7 + 2 * sizeof(mac) + 1);
	strcpy(out, "sha256=");
	hex_encode((const char *) mac, sizeof(mac), out + 7);
	out[7 + 2 * sizeof(mac)] = '\0';
	return out;
}

/*
 * libcurl's socket opener: before any connection (the first, or one a redirect asks for) the
 * host of the URL being requested must be allowed, so that following redirects never reaches
 * a host outside sv.push_allowed_hosts, not even with a connection.  It complements the check
 * at claim time, which stays: that one refuses before any DNS lookup and also covers a reused
 * connection (libcurl opens no socket for it); a redirect target's name is looked up before
 * this callback runs.
 */
static curl_socket_t
open_allowed_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	Transfer   *t = (Transfer *) clientp;
	char	   *url = NULL;
	long		redirects = 0;
	SvUrl		parsed;
	bool		ok = false;

	curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
	curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &redirects);
	/* the same parser and rule as sv._url_host and sv._push_host_allowed (url.c) */
	if (url != NULL && sv_url_parse(url, &parsed, NULL) == NULL)
	{
		strlcpy(t->refused_host, parsed.host, sizeof(t->refused_host));
		ok = sv_host_allowed(parsed.host);
	}
	else
		strlcpy(t->refused_host, "(a URL outside the rule)", sizeof(t->refused_host));
	if (!ok)
	{
		t->refused_later = true;
		t->refused_redirect = redirects > 0;
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}
/*
 * The options of one request.  NULL when every one was set, else why not (the first option
 * refused): the request is then not sent (none of the options is optional: the protocols, the
 * certificate checks and the socket opener that keeps to sv.push_allowed_hosts are the rules).
 */
#define SET_OPTION(opt, val) \
	do { \
		CURLcode	rc_ = curl_easy_setopt(t->easy, opt, val); \
		if (rc_ != CURLE_OK) \
			return psprintf("not sent: libcurl refused option %s: %s", #opt, curl_easy_strerror(rc_)); \
	} while (0)

static char *
set_options(Transfer *t, const char *url, const char *method, bool follow, int timeout_ms)
{
	SET_OPTION(CURLOPT_URL, url);
	SET_OPTION(CURLOPT_PROTOCOLS_STR, "http,https");
	SET_OPTION(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET_OPTION(CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
	SET_OPTION(CURLOPT_MAXREDIRS, 5L);
	SET_OPTION(CURLOPT_SSL_VERIFYPEER, 1L);
	SET_OPTION(CURLOPT_SSL_VERIFYHOST, 2L);
	SET_OPTION(CURLOPT_NOSIGNAL, 1L);
	SET_OPTION(CURLOPT_TIMEOUT_MS, (long) timeout_ms);
	SET_OPTION(CURLOPT_CONNECTTIMEOUT_MS, (long) Min(timeout_ms, 10000));
	SET_OPTION(CURLOPT_HTTPHEADER, t->headers);
	SET_OPTION(CURLOPT_POSTFIELDS, t->body);
	SET_OPTION(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(t->body));
	if (strcmp(method, "POST") != 0)
		SET_OPTION(CURLOPT_CUSTOMREQUEST, method);
	SET_OPTION(CURLOPT_USERAGENT, "sv_platform push worker");
	SET_OPTION(CURLOPT_WRITEFUNCTION, keep_snippet);
	SET_OPTION(CURLOPT_WRITEDATA, t);
	SET_OPTION(CURLOPT_ERRORBUFFER, t->errbuf);
	SET_OPTION(CURLOPT_PRIVATE, t);
	SET_OPTION(CURLOPT_OPENSOCKETFUNCTION, open_allowed_socket);
	SET_OPTION(CURLOPT_OPENSOCKETDATA, t);
	return NULL;
}

#undef SET_OPTION

/*
 * At process exit (on_proc_exit: also after an ERROR, which ends a background worker): the
 * transfers still alive, the multi handle and libcurl's global state released.
 */
static void
push_curl_cleanup(int code, Datum arg)
{
	dlist_mutable_iter iter;

	dlist_foreach_modify(iter, &live_transfers)
	{
		Transfer   *t = dlist_container(Transfer, node, iter.cur);

		if (t->in_multi && push_multi != NULL)
			curl_multi_remove_handle(push_multi, t->easy);
		curl_easy_cleanup(t->easy);
		curl_slist_free_all(t->headers);
		dlist_delete(&t->node);
	}
	if (push_multi != NULL)
		curl_multi_cleanup(push_multi);
	push_multi = NULL;
	if (curl_initialized)
		curl_global_cleanup();
	curl_initialized = false;
}

/*
 * Claims up to `capacity` messages: a transfer for each goes into the multi handle (counted in
 * *in_multi), or into *refused when its host is no longer allowed or an option could not be
 * set (it is recorded, never sent).
 */
static int
claim(CURLM *multi, int capacity, int *in_multi, List **refused)
{
	Oid			types[4] = {INT4OID, INT4OID, TEXTARRAYOID, INT4ARRAYOID};
	Datum		args[4];
	int			n;
	int			nbusy = 0;
	Datum	   *names = palloc(sizeof(Datum) * (hash_get_num_entries(endpoint_busy) + 1));
	Datum	   *counts = palloc(sizeof(Datum) * (hash_get_num_entries(endpoint_busy) + 1));
	HASH_SEQ_STATUS seq;
	EndpointBusy *b;

	/* this worker's messages in flight per endpoint: the claim counts none itself */
	hash_seq_init(&seq, endpoint_busy);
	while ((b = (EndpointBusy *) hash_seq_search(&seq)) != NULL)
	{
		if (b->in_flight <= 0)
			continue;
		names[nbusy] = CStringGetTextDatum(b->name);
		counts[nbusy++] = Int32GetDatum(b->in_flight);
	}
	args[0] = Int32GetDatum(capacity);
	args[1] = Int32GetDatum(LEASE_MARGIN_MS);
	args[2] = PointerGetDatum(construct_array(names, nbusy, TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_array(counts, nbusy, INT4OID, 4, true, TYPALIGN_INT));
	begin_tx("sv_platform push: claim");
	if (claim_plan == NULL)
		claim_plan = keep_plan("SELECT id, message_id, attempt, kind, body, url, method, "
							   "       ARRAY(SELECT h.key || ': ' || (h.value #>> '{}') FROM jsonb_each(headers) h), "
							   "       auth, secret, timeout_ms, follow_redirects, "
							   "       sv._push_host_allowed(sv._url_host(url)), auth_header, endpoint "
							   "FROM sv._outbox_claim($1, $2, $3, $4)", 4, types);
	if (SPI_execute_plan(claim_plan, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "sv_platform push: claim failed");
	n = (int) SPI_processed;
	if (sv_push_shared != NULL)
	{
		SpinLockAcquire(&sv_push_shared->mutex);
		sv_push_shared->claims++;
		SpinLockRelease(&sv_push_shared->mutex);
	}
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext cxt = AllocSetContextCreate(transfer_cxt, "sv_platform push transfer", ALLOCSET_SMALL_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		Transfer   *t = palloc0(sizeof(Transfer));
		bool		isnull;
		char	   *method = text_field(tup, desc, 7);
		char	   *auth = text_field(tup, desc, 9);
		char	   *secret = SPI_getvalue(tup, desc, 10);
		char	   *url = text_field(tup, desc, 6);
		int			timeout_ms = DatumGetInt32(SPI_getbinval(tup, desc, 11, &isnull));
		bool		follow = DatumGetBool(SPI_getbinval(tup, desc, 12, &isnull));
		bool		allowed = DatumGetBool(SPI_getbinval(tup, desc, 13, &isnull));
		Datum		harr = SPI_getbinval(tup, desc, 8, &isnull);
		char	   *auth_header = SPI_getvalue(tup, desc, 14);

		t->cxt = cxt;
		strlcpy(t->endpoint, text_field(tup, desc, 15), sizeof(t->endpoint));
		busy_entry(t->endpoint)->in_flight++;
		t->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		t->attempt = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		t->body = text_field(tup, desc, 5);
		t->started = GetCurrentTimestamp();
		t->refused = !allowed;

		t->headers = curl_slist_append(t->headers, psprintf("Idempotency-Key: %s", text_field(tup, desc, 2)));
		t->headers = curl_slist_append(t->headers, "Content-Type: application/json");
		t->headers = curl_slist_append(t->headers, "Expect:");
		t->headers = curl_slist_append(t->headers, psprintf("X-SV-Message-Kind: %s", text_field(tup, desc, 4)));
		t->headers = curl_slist_append(t->headers, psprintf("X-SV-Attempt: %d", t->attempt));
		if (!isnull)
		{
			Datum	   *elems;
			bool	   *enulls;
			int			ne;

			deconstruct_array(DatumGetArrayTypeP(harr), TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &ne);
			for (int k = 0; k < ne; k++)
				if (!enulls[k])
					t->headers = curl_slist_append(t->headers, TextDatumGetCString(elems[k]));
		}
		if (secret != NULL && strcmp(auth, "bearer") == 0)
			t->headers = curl_slist_append(t->headers, psprintf("Authorization: Bearer %s", secret));
		else if (secret != NULL && strcmp(auth, "hmac_sha256") == 0)
		{
			char	   *ts = psprintf("%ld", (long) time(NULL));

			t->headers = curl_slist_append(t->headers, psprintf("X-Signature-Timestamp: %s", ts));
			t->headers = curl_slist_append(t->headers, psprintf("X-Signature: %s", sign_body(secret, ts, t->body)));
		}
		else if (secret != NULL && auth_header != NULL && strcmp(auth, "header") == 0)
			t->headers = curl_slist_append(t->headers, psprintf("%s: %s", auth_header, secret));

		t->easy = curl_easy_init();
		if (t->easy == NULL)
			elog(ERROR, "sv_platform push: curl_easy_init failed");
		dlist_push_tail(&live_transfers, &t->node);
		t->setup_error = set_options(t, url, method, follow, timeout_ms);
		MemoryContextSwitchTo(old);
		if (t->refused || t->setup_error)
		{
			old = MemoryContextSwitchTo(transfer_cxt);
			*refused = lappend(*refused, t);
			MemoryContextSwitchTo(old);
		}
		else if (curl_multi_add_handle(multi, t->easy) == CURLM_OK)
		{
			t->in_multi = true;
			(*in_multi)++;
		}
		else
			elog(ERROR, "sv_platform push: curl_multi_add_handle failed");
	}
	end_tx();
	return n;
}

/* Records finished transfers in one transaction; updates the shared counters. */
static void
record(PushResult *results, int n)
{
	Datum	   *ids = palloc(n * sizeof(Datum));
	Datum	   *attempts = palloc(n * sizeof(Datum));
	Datum	   *started = palloc(n * sizeof(Datum));
	Datum	   *durations = palloc(n * sizeof(Datum));
	Datum	   *statuses = palloc(n * sizeof(Datum));
	bool	   *status_nulls = palloc(n * sizeof(bool));
	Datum	   *errors = palloc(n * sizeof(Datum));
	bool	   *error_nulls = palloc(n * sizeof(bool));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	Oid			types[8] = {INT8ARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID, INT4ARRAYOID,
	TEXTARRAYOID, INT4OID, INT4OID};
	Datum		args[8];
	bool		isnull;

	for (int i = 0; i < n; i++)
	{
		ids[i] = Int64GetDatum(results[i].id);
		attempts[i] = Int32GetDatum(results[i].attempt);
		started[i] = TimestampTzGetDatum(results[i].started);
		durations[i] = Int32GetDatum(results[i].duration_ms);
		statuses[i] = Int32GetDatum(results[i].status);
		status_nulls[i] = !results[i].has_status;
		errors[i] = results[i].error ? CStringGetTextDatum(results[i].error) : (Datum) 0;
		error_nulls[i] = results[i].error == NULL;
	}
	args[0] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[1] = PointerGetDatum(construct_array(attempts, n, INT4OID, 4, true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(started, n, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[3] = PointerGetDatum(construct_array(durations, n, INT4OID, 4, true, TYPALIGN_INT));
	args[4] = PointerGetDatum(construct_md_array(statuses, status_nulls, 1, dims, lbs, INT4OID, 4, true, TYPALIGN_INT));
	args[5] = PointerGetDatum(construct_md_array(errors, error_nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
	args[6] = Int32GetDatum(sv_push_retry_base_ms);
	args[7] = Int32GetDatum(sv_push_retry_max_ms);

	begin_tx("sv_platform push: record");
	if (record_plan == NULL)
		record_plan = keep_plan("SELECT * FROM sv._outbox_record($1, $2, $3, $4, $5, $6, $7, $8)", 8, types);
	if (SPI_execute_plan(record_plan, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "sv_platform push: recording outcomes failed");
	if (sv_push_shared != NULL)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		SpinLockAcquire(&sv_push_shared->mutex);
		sv_push_shared->delivered += DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		sv_push_shared->retried += DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		sv_push_shared->failed += DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
		sv_push_shared->dead += DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
		SpinLockRelease(&sv_push_shared->mutex);
	}
	end_tx();
	/* recorded: no longer in flight (the claim's limit counts them until here) */
	for (int i = 0; i < n; i++)
		busy_entry(results[i].endpoint)->in_flight--;
}

static void
finish_transfer(Transfer *t, CURLcode code, PushResult *r)
{
	long		http = 0;

	r->id = t->id;
	r->attempt = t->attempt;
	memcpy(r->endpoint, t->endpoint, sizeof(r->endpoint));
	r->started = t->started;
	r->duration_ms = (int32) Min((GetCurrentTimestamp() - t->started) / 1000, PG_INT32_MAX);
	r->error = NULL;
	r->has_status = false;
	r->status = 0;
	if (t->refused)
	{
		r->has_status = true;
		r->error = pstrdup("host not in sv.push_allowed_hosts: not contacted");
		return;
	}
	if (t->setup_error)
	{
		/* not sent: a send failure, retried like one */
		r->error = pstrdup(t->setup_error);
		return;
	}
	if (t->refused_later)
	{
		/* a permanent failure (status 0), not an error to retry */
		r->has_status = true;
		r->error = t->refused_redirect
			? psprintf("redirected to host %s, not in sv.push_allowed_hosts: not contacted", t->refused_host)
			: psprintf("host %s not in sv.push_allowed_hosts: not contacted", t->refused_host);
		return;
	}
	if (code == CURLE_OK)
	{
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &http);
		r->status = (int32) http;
		r->has_status = true;
		if (http < 200 || http > 299)
			r->error = psprintf("HTTP %ld%s%s", http, t->snippet_len ? ": " : "", t->snippet);
	}
	else
		r->error = pstrdup(t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
}

static void
free_transfer(CURLM *multi, Transfer *t)
{
	if (t->in_multi)
		curl_multi_remove_handle(multi, t->easy);
	curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	dlist_delete(&t->node);
	MemoryContextDelete(t->cxt);
}

static void
set_in_flight(int n, bool claimed)
{
	if (sv_push_shared == NULL)
		return;
	SpinLockAcquire(&sv_push_shared->mutex);
	sv_push_shared->in_flight = n;
	if (claimed)
		sv_push_shared->last_claim_at = GetCurrentTimestamp();
	SpinLockRelease(&sv_push_shared->mutex);
}

void
sv_push_main(Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);
	MemoryContext loop_cxt;
	CURLM	   *multi;
	bool		said_waiting = false;
	bool		recovered = false;
	bool		want_claim = true;
	bool		claim_now = true;	/* woken: claim even if the room is not half free */
	int			in_multi = 0;	/* transfers in the multi handle */
	List	   *refused = NIL;	/* claimed transfers not to send */
	MemoryContext result_cxt;
	PushResult *pending;		/* finished, not yet recorded */
	int			npending = 0;
	TimestampTz oldest_pending = 0;
	CURLMcode	mrc;
	int			connection_limit;	/* CURLMOPT_MAX_TOTAL_CONNECTIONS as set */

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname("sv_platform push worker");

	transfer_cxt = AllocSetContextCreate(TopMemoryContext, "sv_platform push transfers", ALLOCSET_DEFAULT_SIZES);
	loop_cxt = AllocSetContextCreate(TopMemoryContext, "sv_platform push loop", ALLOCSET_DEFAULT_SIZES);
	result_cxt = AllocSetContextCreate(TopMemoryContext, "sv_platform push results", ALLOCSET_DEFAULT_SIZES);
	/*
	 * Fewer than RECORD_BATCH results wait before an iteration, which adds at most one result per
	 * request in flight (sv.push_max_in_flight is at most 1024).
	 */
	pending = MemoryContextAlloc(TopMemoryContext, sizeof(PushResult) * (1024 + RECORD_BATCH));
	{
		HASHCTL		ctl;

		ctl.keysize = ENDPOINT_NAME_LEN;
		ctl.entrysize = sizeof(EndpointBusy);
		endpoint_busy = hash_create("sv_platform push endpoints in flight", 64, &ctl, HASH_ELEM | HASH_STRINGS);
	}
	on_proc_exit(push_curl_cleanup, (Datum) 0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		elog(ERROR, "sv_platform push: curl_global_init failed");
	curl_initialized = true;
	multi = push_multi = curl_multi_init();
	if (multi == NULL)
		elog(ERROR, "sv_platform push: curl_multi_init failed");
	mrc = curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) sv_push_max_in_flight);
	if (mrc != CURLM_OK)
		elog(ERROR, "sv_platform push: cannot limit the connections: %s", curl_multi_strerror(mrc));
	connection_limit = sv_push_max_in_flight;

	if (sv_push_shared != NULL)
	{
		SpinLockAcquire(&sv_push_shared->mutex);
		sv_push_shared->worker_latch = MyLatch;
		sv_push_shared->worker_pid = MyProcPid;
		sv_push_shared->started_at = GetCurrentTimestamp();
		sv_push_shared->delivered = sv_push_shared->retried = sv_push_shared->failed = sv_push_shared->dead = 0;
		sv_push_shared->claims = 0;
		SpinLockRelease(&sv_push_shared->mutex);
	}
	before_shmem_exit(push_detach, (Datum) 0);

	for (;;)
	{
		MemoryContextReset(loop_cxt);
		MemoryContextSwitchTo(loop_cxt);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			want_claim = claim_now = true;

			/*
			 * libcurl keeps the connection cap it was given: set it again, or a raised
			 * sv.push_max_in_flight would claim more requests than it may connect (issue 20).
			 * Transfers beyond a lowered cap wait in libcurl's queue until connections free up.
			 */
			if (sv_push_max_in_flight != connection_limit)
			{
				mrc = curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long) sv_push_max_in_flight);
				if (mrc != CURLM_OK)
					ereport(WARNING,
							(errmsg("sv_platform push: cannot change the connection limit from %d to %d: %s",
									connection_limit, sv_push_max_in_flight, curl_multi_strerror(mrc)),
							 errhint("Restart the push worker (sv.push_enabled off, reload, on, reload).")));
				else
				{
					ereport(LOG,
							(errmsg("sv_platform push: connection limit changed from %d to %d",
									connection_limit, sv_push_max_in_flight)));
					connection_limit = sv_push_max_in_flight;
				}
			}
		}

		if (!recovered)
		{
			char	   *version = installed_version();

			if (version == NULL || strcmp(version, SV_PLATFORM_VERSION) != 0)
			{
				if (!said_waiting && version == NULL)
					ereport(LOG, (errmsg("sv_platform push: waiting for CREATE EXTENSION sv_platform in database \"%s\"",
										 sv_push_database)));
				else if (!said_waiting)
					ereport(WARNING,
							(errmsg("sv_platform push: database \"%s\" has sv_platform %s, the library is %s: pushes wait",
									sv_push_database, version, SV_PLATFORM_VERSION),
							 errhint("Run ALTER EXTENSION sv_platform UPDATE in that database.")));
				said_waiting = true;
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10000, PG_WAIT_EXTENSION);
				ResetLatch(MyLatch);
				continue;
			}
			said_waiting = false;
			if (recover_orphans() > 0)
				ereport(LOG, (errmsg("sv_platform push: messages left in flight by the previous worker are queued again")));
			recovered = true;
		}

		/*
		 * Claim when woken (a commit, a reload, a retry came due) while there is room; after
		 * requests finished, only once half the room is free, so that claims come in batches.
		 */
		if (want_claim && in_multi + list_length(refused) < sv_push_max_in_flight
			&& (claim_now || in_multi <= sv_push_max_in_flight / 2))
		{
			int			got = claim(multi, sv_push_max_in_flight - in_multi - list_length(refused), &in_multi, &refused);

			want_claim = got > 0;	/* there may be more */
			claim_now = got > 0;
			set_in_flight(in_multi, got > 0);
		}

		if (in_multi > 0 || refused != NIL || npending > 0)
		{
			int			still = 0;
			int			msgs;
			CURLMsg    *m;
			ListCell   *lc;
			MemoryContext old = MemoryContextSwitchTo(result_cxt);

			foreach(lc, refused)
			{
				Transfer   *t = (Transfer *) lfirst(lc);

				if (npending == 0)
					oldest_pending = GetCurrentTimestamp();
				finish_transfer(t, CURLE_OK, &pending[npending++]);
				free_transfer(multi, t);
			}
			list_free(refused);
			refused = NIL;

			if (in_multi > 0)
			{
				curl_multi_perform(multi, &still);
				while ((m = curl_multi_info_read(multi, &msgs)) != NULL)
				{
					Transfer   *t;

					if (m->msg != CURLMSG_DONE)
						continue;
					curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &t);
					if (npending == 0)
						oldest_pending = GetCurrentTimestamp();
					finish_transfer(t, m->data.result, &pending[npending++]);
					free_transfer(multi, t);
					in_multi--;
				}
			}
			MemoryContextSwitchTo(old);
			/* record in batches, but never keep a result waiting long or while idle */
			if (npending > 0 &&
				(npending >= RECORD_BATCH || in_multi == 0 ||
				 TimestampDifferenceExceeds(oldest_pending, GetCurrentTimestamp(), RECORD_WAIT_MS)))
			{
				record(pending, npending);
				npending = 0;
				MemoryContextReset(result_cxt);
				set_in_flight(in_multi, false);
				want_claim = true;
			}
			if (in_multi > 0)
			{
				curl_multi_poll(multi, NULL, 0, npending > 0 ? RECORD_WAIT_MS : BUSY_POLL_MS, NULL);
				/* a committed sender set the latch: claim more while these run */
				if (WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 0, PG_WAIT_EXTENSION) & WL_LATCH_SET)
				{
					ResetLatch(MyLatch);
					want_claim = claim_now = true;
				}
			}
			continue;
		}

		if (!want_claim)
		{
			long		nap;
			char	   *version = installed_version();

			if (version == NULL || strcmp(version, SV_PLATFORM_VERSION) != 0)
			{
				recovered = false;	/* dropped or changed: wait for it again */
				free_plans();
				continue;
			}
			nap = next_due_ms();
			if (nap > 0)
			{
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, nap, PG_WAIT_EXTENSION);
				ResetLatch(MyLatch);
			}
			want_claim = claim_now = true;
		}
	}
}
