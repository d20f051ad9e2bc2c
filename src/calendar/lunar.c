/*
 * lunar.c: the SQL face of the Chinese lunar calendar (chinese.c) and of the 清明 solar term,
 * which the provisional working-day calendar (extension/20_calendar.sql) needs for 春节, 清明,
 * 端午 and 中秋 in years without a State Council notice.
 *
 *   sv.lunar_to_gregorian(lunar_year, month, day, leap) -> date
 *   sv.gregorian_to_lunar(date) -> (lunar_year, month, day, leap)
 *   sv.qingming(year) -> date
 *
 * Valid for 1901-2100 (lunar years for the first, Gregorian dates and years for the others):
 * 22023 outside, naming the argument; 22004 for a NULL argument.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "calendar/astro.h"
#include "calendar/chinese.h"

#define SV_LUNAR_FIRST 1901
#define SV_LUNAR_LAST 2100

/* JDN <-> PostgreSQL date */
#define JDN_TO_DATE(j) ((DateADT) ((j) - POSTGRES_EPOCH_JDATE))
#define DATE_TO_JDN(d) ((int) (d) + POSTGRES_EPOCH_JDATE)

PG_FUNCTION_INFO_V1(sv_lunar_to_gregorian);
Datum
sv_lunar_to_gregorian(PG_FUNCTION_ARGS)
{
	int32		year,
				month,
				day;
	bool		leap;
	int			i,
				jdn = 0,
				days = 0;
	ChineseDateProblem problem;

	for (i = 0; i < 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null",
							i == 0 ? "lunar_year" : i == 1 ? "month" : i == 2 ? "day" : "leap")));
	year = PG_GETARG_INT32(0);
	month = PG_GETARG_INT32(1);
	day = PG_GETARG_INT32(2);
	leap = PG_GETARG_BOOL(3);

	if (year < SV_LUNAR_FIRST || year > SV_LUNAR_LAST)
		problem = CHINESE_DATE_YEAR;
	else
	{
		ChineseDate ld = {year, month, day, leap};

		problem = chinese_date_to_jdn(&ld, &jdn, &days);
	}
	switch (problem)
	{
		case CHINESE_DATE_OK:
			break;
		case CHINESE_DATE_YEAR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("lunar_year must be between %d and %d, not %d",
							SV_LUNAR_FIRST, SV_LUNAR_LAST, year)));
			break;
		case CHINESE_DATE_MONTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("month must be between 1 and 12, not %d", month)));
			break;
		case CHINESE_DATE_DAY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("day must be between 1 and 30, not %d", day)));
			break;
		case CHINESE_DATE_DAY_OF_MONTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("day must be at most %d: %smonth %d of lunar year %d has %d days, not %d",
							days, leap ? "leap " : "", month, year, days, day)));
			break;
		case CHINESE_DATE_NO_LEAP_MONTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("leap must be false: lunar year %d has no leap month %d", year, month)));
			break;
	}
	PG_RETURN_DATEADT(JDN_TO_DATE(jdn));
}

PG_FUNCTION_INFO_V1(sv_gregorian_to_lunar);
Datum
sv_gregorian_to_lunar(PG_FUNCTION_ARGS)
{
	DateADT		d;
	int			jdn,
				y,
				mo,
				dd;
	ChineseDate ld;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("gregorian must not be null")));
	d = PG_GETARG_DATEADT(0);
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gregorian must be between %d-01-01 and %d-12-31, not %s",
						SV_LUNAR_FIRST, SV_LUNAR_LAST, DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity")));
	jdn = DATE_TO_JDN(d);
	j2date(jdn, &y, &mo, &dd);
	if (y < SV_LUNAR_FIRST || y > SV_LUNAR_LAST)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gregorian must be between %d-01-01 and %d-12-31, not %04d-%02d-%02d",
						SV_LUNAR_FIRST, SV_LUNAR_LAST, y, mo, dd)));

	chinese_date_of_jdn(jdn, y, &ld);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int32GetDatum(ld.year);
	values[1] = Int32GetDatum(ld.month);
	values[2] = Int32GetDatum(ld.day);
	values[3] = BoolGetDatum(ld.leap);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(sv_qingming);
Datum
sv_qingming(PG_FUNCTION_ARGS)
{
	int32		year;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("year must not be null")));
	year = PG_GETARG_INT32(0);
	if (year < SV_LUNAR_FIRST || year > SV_LUNAR_LAST)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("year must be between %d and %d, not %d", SV_LUNAR_FIRST, SV_LUNAR_LAST, year)));
	PG_RETURN_DATEADT(JDN_TO_DATE(chinese_qingming(year)));
}
