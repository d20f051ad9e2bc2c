/*
 * sv_platform.c: module initialisation and the module's GUCs.
 *
 * The library works whether or not it is in shared_preload_libraries: GUCs are defined on
 * first load either way.  Later capabilities that need the postmaster (background workers)
 * register them here only while preloading, and say so in their docs.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#include "sv_platform.h"
#include "audit/audit.h"
#include "push/push.h"

PG_MODULE_MAGIC;

/* The Makefile passes the default_version of sv_platform.control: one source for the version. */
#ifndef SV_PLATFORM_VERSION
#error "SV_PLATFORM_VERSION is set by the Makefile from sv_platform.control"
#endif

char	   *sv_timezone = NULL;
bool		sv_uscc_restore_mode = false;
int			sv_low_fine_limit = 10000;

void		_PG_init(void);

/* Only names the tz database knows; a typo must fail at SET time, not at a deadline. */
static bool
check_sv_timezone(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0' || pg_tzset(*newval) == NULL)
	{
		GUC_check_errmsg("invalid value for parameter \"sv.timezone\": \"%s\"",
						 *newval ? *newval : "");
		GUC_check_errdetail("The value must be a time zone name such as \"Asia/Shanghai\".");
		return false;
	}
	return true;
}

void
_PG_init(void)
{
	DefineCustomStringVariable("sv.timezone",
							   "Time zone in which timestamps become legal dates.",
							   "Deadlines in working days count from a calendar date; a "
							   "timestamp is turned into that date in this zone "
							   "(sv.local_date), whatever the session's TimeZone is.",
							   &sv_timezone,
							   "Asia/Shanghai",
							   /* superuser-set: a session must not move its own legal dates */
							   PGC_SUSET,
							   0,
							   check_sv_timezone, NULL, NULL);

	DefineCustomBoolVariable("sv.uscc_restore_mode",
							 "Accept unified social credit codes that fail only the check character.",
							 "For pg_restore: table data may be restored before sv.uscc_exception, "
							 "which holds the registered codes that fail the check.  Superusers only; "
							 "leave off otherwise.",
							 &sv_uscc_restore_mode,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("sv.low_fine_limit",
							"Largest fine, in yuan, that counts as a low fine for publication periods.",
							"A penalty of only a warning, circulated criticism or a fine up to this "
							"amount is published for 3 months, others for 3 years.  Each province "
							"sets the figure; it is applied when an event is recorded.",
							&sv_low_fine_limit,
							10000, 0, INT_MAX,
							/* superuser-set: it decides how long a record stays public */
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	audit_define_gucs();
	sv_push_define_gucs();
	if (process_shared_preload_libraries_in_progress)
		sv_push_preload();

	MarkGUCPrefixReserved("sv");
}

/*
 * sv.build_info(): what this library was built and runs with, for DBAs and bug reports.
 */
PG_FUNCTION_INFO_V1(sv_build_info);
Datum
sv_build_info(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	const char *rows[][2] = {
		{"sv_platform", SV_PLATFORM_VERSION},
		{"postgresql (built against)", PG_VERSION},
		{"libcurl (built against)", LIBCURL_VERSION},
		{"libcurl (loaded)", cv->version},
		{"libcurl ssl", cv->ssl_version ? cv->ssl_version : "none"},
		{"audit hashing", audit_hash_backend()},
	};

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < lengthof(rows); i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(rows[i][0]);
		values[1] = CStringGetTextDatum(rows[i][1]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
