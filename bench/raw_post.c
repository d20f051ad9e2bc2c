/*
 * raw_post.c: the baseline of bench/07_push.sh, a plain libcurl-multi client.
 *
 * POSTs N requests to URL with C in flight at once (the multi handle capped at C connections,
 * keep-alive), each with the body and headers the push worker sends for a queued message of the
 * benchmark: Content-Type, Idempotency-Key (a distinct key per request, uuid-shaped), Expect:
 * (none), X-SV-Message-Kind, X-SV-Attempt and the worker's User-Agent; the body is the text of
 * the payload as sv.outbox stores it (jsonb output).  No database, no bookkeeping: what the
 * HTTP client alone costs.  An easy handle per slot is reused, as a client written for speed
 * would.
 *
 *   raw_post URL N C KEY_PREFIX
 *
 * Prints one line: requests=N ok=K ms=T rps=R cpu_us_per_request=U (user + system of this
 * process); exits 1 when a request did not get a 2xx.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct Slot
{
	CURL	   *easy;
	struct curl_slist *headers;
	char		body[256];
	char		key[80];
} Slot;

static size_t
discard(char *data, size_t size, size_t nmemb, void *userdata)
{
	(void) data;
	(void) userdata;
	return size * nmemb;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* the request for message number i (1-based) in slot s */
static void
prepare(Slot *s, const char *url, const char *prefix, long i)
{
	char		key[128];

	snprintf(s->body, sizeof(s->body),
			 "{\"n\": %ld, \"text\": \"平顶山市市场监督管理局 双随机抽查结果推送\"}", i);
	snprintf(s->key, sizeof(s->key), "%s%012ld", prefix, i);
	curl_slist_free_all(s->headers);
	s->headers = NULL;
	snprintf(key, sizeof(key), "Idempotency-Key: %s", s->key);
	s->headers = curl_slist_append(s->headers, key);
	s->headers = curl_slist_append(s->headers, "Content-Type: application/json");
	s->headers = curl_slist_append(s->headers, "Expect:");
	s->headers = curl_slist_append(s->headers, "X-SV-Message-Kind: bench.push");
	s->headers = curl_slist_append(s->headers, "X-SV-Attempt: 1");
	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(s->body));
	curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "sv_platform push worker");
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
}

int
main(int argc, char **argv)
{
	const char *url;
	long		n,
				c,
				next = 1,
				ok = 0,
				done = 0;
	const char *prefix;
	CURLM	   *multi;
	Slot	   *slots;
	double		t0,
				t1,
				cpu0,
				cpu1;

	if (argc != 5)
	{
		fprintf(stderr, "usage: raw_post URL N CONCURRENCY KEY_PREFIX\n");
		return 2;
	}
	url = argv[1];
	n = atol(argv[2]);
	c = atol(argv[3]);
	prefix = argv[4];
	if (n < 1 || c < 1)
		return 2;
	if (c > n)
		c = n;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, c);
	slots = calloc(c, sizeof(Slot));

	t0 = now_ms();
	cpu0 = cpu_us();
	for (long k = 0; k < c; k++)
	{
		slots[k].easy = curl_easy_init();
		prepare(&slots[k], url, prefix, next++);
		curl_multi_add_handle(multi, slots[k].easy);
	}
	while (done < n)
	{
		int			running,
					msgs;
		CURLMsg    *m;

		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &msgs)) != NULL)
		{
			Slot	   *s;
			long		http = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &s);
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &http);
			if (m->data.result == CURLE_OK && http >= 200 && http <= 299)
				ok++;
			else
				fprintf(stderr, "raw_post: %s: %s, HTTP %ld\n", s->key, curl_easy_strerror(m->data.result), http);
			done++;
			curl_multi_remove_handle(multi, s->easy);
			if (next <= n)
			{
				prepare(s, url, prefix, next++);
				curl_multi_add_handle(multi, s->easy);
			}
		}
		if (done < n)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	t1 = now_ms();
	cpu1 = cpu_us();
	printf("requests=%ld ok=%ld ms=%.1f rps=%.0f cpu_us_per_request=%.1f\n",
		   n, ok, t1 - t0, n / (t1 - t0) * 1000.0, (cpu1 - cpu0) / n);
	for (long k = 0; k < c; k++)
	{
		curl_easy_cleanup(slots[k].easy);
		curl_slist_free_all(slots[k].headers);
	}
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	free(slots);
	return ok == n ? 0 : 1;
}
