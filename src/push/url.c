/*
 * url.c: the one URL rule of the outbox, with libcurl's URL API (curl_url), used by the SQL
 * checks (sv._url_parse, sv._url_host, sv._push_host_allowed: endpoint_save, outbox_send,
 * security_check) and by the push worker (the claim and libcurl's socket callback, which also
 * sees the targets of redirects).  The host that is checked is the host libcurl connects to,
 * because libcurl itself parsed it; a URL this rule refuses is never contacted.
 *
 * The rule: at most SV_URL_MAX_LEN bytes; no space, control character or backslash; written
 * "http://" or "https://" (any case) followed by what curl_url accepts without lenient flags;
 * no user info (credentials belong in sv.endpoint_secret), no IPv6 zone id, no fragment; a host
 * of at most 253 bytes not ending in a dot.  The host is reported as libcurl normalises it
 * (percent-decoding, numeric IPv4 forms), lower-cased; an IPv6 literal keeps its brackets.
 *
 * sv_url_parse and sv_host_allowed allocate nothing with palloc and throw no error: they run
 * inside libcurl's callbacks.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "push/push.h"

PG_FUNCTION_INFO_V1(sv_url_parse_sql);
PG_FUNCTION_INFO_V1(sv_url_host_sql);
PG_FUNCTION_INFO_V1(sv_push_host_allowed_sql);

/* a part of the URL, or NULL (to be released with curl_free) */
static char *
url_part(CURLU *u, CURLUPart part, unsigned int flags)
{
	char	   *v = NULL;

	if (curl_url_get(u, part, &v, flags) != CURLUE_OK)
		return NULL;
	return v;
}

const char *
sv_url_parse(const char *url, SvUrl *out, char **normalized)
{
	CURLU	   *u;
	CURLUcode	rc;
	char	   *v;
	const char *problem = NULL;
	size_t		len = strlen(url);
	size_t		i;

	memset(out, 0, sizeof(*out));
	if (normalized)
		*normalized = NULL;
	if (len > SV_URL_MAX_LEN)
		return "is longer than 2048 bytes";
	for (i = 0; i < len; i++)
		if ((unsigned char) url[i] <= ' ' || url[i] == '\x7f' || url[i] == '\\')
			return "contains a space, a control character or a backslash";
	if (pg_strncasecmp(url, "http://", 7) != 0 && pg_strncasecmp(url, "https://", 8) != 0)
		return "must begin with http:// or https://";
	/* libcurl reads "http:///x" as host "x": the host must follow the two slashes */
	if (url[strchr(url, ':') - url + 3] == '/')
		return "has no host";

	u = curl_url();
	if (u == NULL)
		return "could not be parsed (out of memory)";
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK)
	{
		static char why[160];	/* one backend, one thread */

		curl_url_cleanup(u);
		snprintf(why, sizeof(why), "cannot be parsed (libcurl: %s)", curl_url_strerror(rc));
		return why;
	}

	if ((v = url_part(u, CURLUPART_SCHEME, 0)) == NULL || strlen(v) >= sizeof(out->scheme))
		problem = "must begin with http:// or https://";
	else
	{
		for (i = 0; v[i]; i++)
			out->scheme[i] = pg_tolower((unsigned char) v[i]);
		if (strcmp(out->scheme, "http") != 0 && strcmp(out->scheme, "https") != 0)
			problem = "must begin with http:// or https://";
	}
	curl_free(v);
	v = NULL;

	if (problem == NULL && ((v = url_part(u, CURLUPART_USER, 0)) != NULL ||
							(v = url_part(u, CURLUPART_PASSWORD, 0)) != NULL))
		problem = "must not carry user information (credentials belong in sv.endpoint_set_secret)";
	else if (problem == NULL && (v = url_part(u, CURLUPART_ZONEID, 0)) != NULL)
		problem = "must not carry an IPv6 zone id";
	else if (problem == NULL && (v = url_part(u, CURLUPART_FRAGMENT, 0)) != NULL)
		problem = "must not have a fragment (#...)";
	curl_free(v);
	v = NULL;

	if (problem == NULL)
	{
		v = url_part(u, CURLUPART_HOST, 0);
		if (v == NULL || v[0] == '\0')
			problem = "has no host";
		else if (strlen(v) > SV_URL_HOST_MAX)
			problem = "has a host longer than 253 bytes";
		else if (v[strlen(v) - 1] == '.')
			problem = "has a host ending in a dot";
		else
		{
			for (i = 0; v[i]; i++)
				out->host[i] = pg_tolower((unsigned char) v[i]);
			out->host[i] = '\0';
		}
		curl_free(v);
	}
	if (problem == NULL)
	{
		v = url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
		out->port = v ? atoi(v) : 0;
		curl_free(v);
	}
	if (problem == NULL && normalized)
		*normalized = url_part(u, CURLUPART_URL, 0);
	curl_url_cleanup(u);
	return problem;
}

/*
 * Whether `host` (as sv_url_parse reports it) is in sv.push_allowed_hosts: a comma-separated
 * list of host names (an entry ".example.org" allows its subdomains), compared without regard
 * to case; empty allows nothing.
 */
bool
sv_host_allowed(const char *host)
{
	const char *p = sv_push_allowed_hosts ? sv_push_allowed_hosts : "";
	size_t		hlen = strlen(host);

	if (hlen == 0)
		return false;
	while (*p)
	{
		const char *end = strchr(p, ',');
		const char *a = p;
		const char *b = end ? end : p + strlen(p);
		size_t		n;

		while (a < b && isspace((unsigned char) *a))
			a++;
		while (b > a && isspace((unsigned char) b[-1]))
			b--;
		n = b - a;
		if (n > 0 && ((n == hlen && pg_strncasecmp(a, host, n) == 0) ||
					  (a[0] == '.' && hlen >= n && pg_strncasecmp(host + hlen - n, a, n) == 0)))
			return true;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

/* sv._url_parse(url) -> (url, scheme, host, port, problem): problem NULL when the rule holds */
Datum
sv_url_parse_sql(PG_FUNCTION_ARGS)
{
	char	   *url = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {true, true, true, true, true};
	SvUrl		parsed;
	char	   *normalized = NULL;
	const char *problem;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sv._url_parse: return type must be a row type");
	problem = sv_url_parse(url, &parsed, &normalized);
	if (problem != NULL)
	{
		values[4] = CStringGetTextDatum(problem);
		nulls[4] = false;
	}
	else
	{
		if (normalized != NULL)
		{
			values[0] = CStringGetTextDatum(normalized);
			nulls[0] = false;
		}
		values[1] = CStringGetTextDatum(parsed.scheme);
		values[2] = CStringGetTextDatum(parsed.host);
		values[3] = Int32GetDatum(parsed.port);
		nulls[1] = nulls[2] = nulls[3] = false;
	}
	curl_free(normalized);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/* sv._url_host(url): the host by the rule above, NULL when the URL breaks it */
Datum
sv_url_host_sql(PG_FUNCTION_ARGS)
{
	SvUrl		parsed;

	if (sv_url_parse(text_to_cstring(PG_GETARG_TEXT_PP(0)), &parsed, NULL) != NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(parsed.host));
}

/* sv._push_host_allowed(host): false for NULL */
Datum
sv_push_host_allowed_sql(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(sv_host_allowed(text_to_cstring(PG_GETARG_TEXT_PP(0))));
}
