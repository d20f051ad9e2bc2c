/*
 * workday.c: the working-day arithmetic of sv.add_workdays and sv.workdays_between, and a
 * per-backend memo of the provisional holidays of each year (sv.calendar_provisional_days).
 *
 * The calendar's data stays in SQL: sv._calendar_special(lo, hi) gives the days of a range that
 * differ from Monday-to-Friday (the notices in force, the provisional holidays of years without
 * one), and the functions here only walk or count days given those, so a notice loaded or
 * replaced in any session is seen exactly as the SQL saw it before (same snapshot, same
 * locks).  Nothing here is cached across calls except the provisional holidays, which are a
 * pure function of the year (sv.calendar_provisional_days is IMMUTABLE: computed from the lunar
 * calendar and the rules of each year); the memo is dropped whenever pg_proc changes (an
 * extension update may redefine the function).
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#define PROV_FIRST_YEAR 1901
#define PROV_LAST_YEAR 2100

typedef struct ProvisionalYear
{
	bool		valid;
	int			ndays;
	DateADT    *days;
	char	  **festivals;
} ProvisionalYear;

static ProvisionalYear prov_years[PROV_LAST_YEAR - PROV_FIRST_YEAR + 1];
static MemoryContext prov_context = NULL;
static bool prov_callback_registered = false;

/* any change to pg_proc (CREATE OR REPLACE, ALTER EXTENSION UPDATE) drops the memo */
static void
prov_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	if (prov_context != NULL)
		MemoryContextReset(prov_context);
	memset(prov_years, 0, sizeof(prov_years));
}

/* the provisional holidays of year y, computed once per backend through SQL */
static ProvisionalYear *
prov_get(int y)
{
	ProvisionalYear *py = &prov_years[y - PROV_FIRST_YEAR];
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1];
	int			ret;
	uint64		i;
	DateADT    *days;
	char	  **fests;
	MemoryContext old;

	if (py->valid)
		return py;

	if (!prov_callback_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, prov_invalidate, (Datum) 0);
		prov_callback_registered = true;
	}
	if (prov_context == NULL)
		prov_context = AllocSetContextCreate(TopMemoryContext, "sv provisional holidays",
											 ALLOCSET_SMALL_SIZES);

	args[0] = Int32GetDatum(y);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT p.day, p.festival FROM sv.calendar_provisional_days($1) AS p ORDER BY p.day",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "sv.calendar_provisional_days failed: %s", SPI_result_code_string(ret));

	old = MemoryContextSwitchTo(prov_context);
	days = palloc(sizeof(DateADT) * (SPI_processed + 1));
	fests = palloc(sizeof(char *) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		char	   *f;

		if (isnull)
			elog(ERROR, "sv.calendar_provisional_days(%d) returned a null day", y);
		days[i] = DatumGetDateADT(d);
		f = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		fests[i] = f ? pstrdup(f) : NULL;
	}
	MemoryContextSwitchTo(old);
	py->days = days;
	py->festivals = fests;
	py->ndays = (int) SPI_processed;
	SPI_finish();
	py->valid = true;
	return py;
}

/*
 * sv._calendar_provisional_memo(year integer) RETURNS TABLE (day date, festival text):
 * sv.calendar_provisional_days(year), memoized per backend.  NULL or out-of-range years give
 * no rows (callers clamp to 1901-2100 first).
 */
PG_FUNCTION_INFO_V1(sv_calendar_provisional_memo);
Datum
sv_calendar_provisional_memo(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			y;
	ProvisionalYear *py;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	y = PG_GETARG_INT32(0);
	if (y < PROV_FIRST_YEAR || y > PROV_LAST_YEAR)
		return (Datum) 0;
	py = prov_get(y);
	for (i = 0; i < py->ndays; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = DateADTGetDatum(py->days[i]);
		if (py->festivals[i] == NULL)
		{
			nulls[1] = true;
			values[1] = (Datum) 0;
		}
		else
			values[1] = CStringGetTextDatum(py->festivals[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static int
wd_date_cmp(const void *a, const void *b)
{
	DateADT		x = *(const DateADT *) a;
	DateADT		y = *(const DateADT *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* the dates of a date[] (nulls skipped), sorted */
static DateADT *
sorted_dates(ArrayType *arr, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	int			i;
	int			k = 0;
	DateADT    *out;

	deconstruct_array(arr, DATEOID, sizeof(DateADT), true, TYPALIGN_INT, &elems, &nulls, &count);
	out = palloc(sizeof(DateADT) * (count + 1));
	for (i = 0; i < count; i++)
		if (!nulls[i])
			out[k++] = DatumGetDateADT(elems[i]);
	qsort(out, k, sizeof(DateADT), wd_date_cmp);
	*n = k;
	return out;
}

static bool
wd_date_member(DateADT d, const DateADT *arr, int n)
{
	return n > 0 && bsearch(&d, arr, n, sizeof(DateADT), wd_date_cmp) != NULL;
}

/* ISO day of week, 1 = Monday .. 7 = Sunday; DateADT 0 is 2000-01-01, a Saturday */
static int
iso_dow(DateADT d)
{
	int			r = (int) ((d + 5) % 7);

	if (r < 0)
		r += 7;
	return r + 1;
}

static bool
wd_is_workday(DateADT d, const DateADT *w, int nw, const DateADT *h, int nh)
{
	if (wd_date_member(d, w, nw))
		return true;
	if (wd_date_member(d, h, nh))
		return false;
	return iso_dow(d) < 6;
}

/*
 * sv._workday_walk(day date, n integer, span integer, workdays date[], holidays date[]) RETURNS date
 * The |n|-th working day after day (n > 0) or before it (n < 0) among day +/- 1 .. span, or
 * NULL when there are fewer; workdays and holidays are the days of that range that differ from
 * Monday-to-Friday (sv._calendar_special).  n must not be 0.
 */
PG_FUNCTION_INFO_V1(sv_workday_walk);
Datum
sv_workday_walk(PG_FUNCTION_ARGS)
{
	DateADT		day = PG_GETARG_DATEADT(0);
	int32		n = PG_GETARG_INT32(1);
	int32		span = PG_GETARG_INT32(2);
	int			nw,
				nh;
	DateADT    *w = sorted_dates(PG_GETARG_ARRAYTYPE_P(3), &nw);
	DateADT    *h = sorted_dates(PG_GETARG_ARRAYTYPE_P(4), &nh);
	int			step = n > 0 ? 1 : -1;
	int64		want = n > 0 ? n : -(int64) n;
	int64		seen = 0;
	int32		k;

	if (DATE_NOT_FINITE(day) || n == 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("sv._workday_walk needs a finite day and n <> 0")));
	for (k = 1; k <= span; k++)
	{
		DateADT		d = day + step * k;

		if (wd_is_workday(d, w, nw, h, nh) && ++seen == want)
			PG_RETURN_DATEADT(d);
	}
	PG_RETURN_NULL();
}

/*
 * sv._workday_count(lo date, hi date, workdays date[], holidays date[]) RETURNS integer
 * The working days from lo to hi inclusive (0 when hi < lo), given the days of that range that
 * differ from Monday-to-Friday (sv._calendar_special).
 */
PG_FUNCTION_INFO_V1(sv_workday_count);
Datum
sv_workday_count(PG_FUNCTION_ARGS)
{
	DateADT		lo = PG_GETARG_DATEADT(0);
	DateADT		hi = PG_GETARG_DATEADT(1);
	int			nw,
				nh;
	DateADT    *w = sorted_dates(PG_GETARG_ARRAYTYPE_P(2), &nw);
	DateADT    *h = sorted_dates(PG_GETARG_ARRAYTYPE_P(3), &nh);
	int32		count = 0;
	DateADT		d;

	if (DATE_NOT_FINITE(lo) || DATE_NOT_FINITE(hi))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("sv._workday_count needs finite dates")));
	for (d = lo; d <= hi; d++)
		if (wd_is_workday(d, w, nw, h, nh))
			count++;
	PG_RETURN_INT32(count);
}
