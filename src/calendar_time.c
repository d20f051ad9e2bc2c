/*
 * calendar_time.c: turning a timestamp into the legal date that deadlines count from.
 *
 * Working-day deadlines (sv.add_workdays) take a date.  Converting a timestamptz with a plain
 * cast uses the session's TimeZone, so a complaint received at 00:30 in Pingdingshan would
 * start its clock a day early on a server running in UTC.  sv.local_date() uses sv.timezone.
 */
#include "postgres.h"

#include "fmgr.h"
#include "pgtime.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "sv_platform.h"

PG_FUNCTION_INFO_V1(sv_local_date);
Datum
sv_local_date(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	pg_tz	   *tz;
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	DateADT		result;

	if (TIMESTAMP_IS_NOBEGIN(ts))
	{
		DATE_NOBEGIN(result);
		PG_RETURN_DATEADT(result);
	}
	if (TIMESTAMP_IS_NOEND(ts))
	{
		DATE_NOEND(result);
		PG_RETURN_DATEADT(result);
	}

	tz = pg_tzset(sv_timezone);
	if (tz == NULL)				/* the GUC check hook makes this unreachable */
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" in sv.timezone is not recognised", sv_timezone)));

	if (timestamp2tm(ts, &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));

	result = date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	PG_RETURN_DATEADT(result);
}
