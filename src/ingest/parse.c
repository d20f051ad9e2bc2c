/*
 * parse.c: lenient parsing for bulk ingest.
 *
 * sv.ingest validates a whole batch in one statement and turns each bad field into a reject
 * reason.  A plain ::date cast would abort the statement on the first malformed date (and a
 * PL/pgSQL exception block per row costs a subtransaction), so dates are parsed here: the
 * function answers NULL instead of raising.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "ingest/iso_date.h"

/*
 * sv._parse_date(text) returns date: an ISO 8601 calendar date YYYY-MM-DD (white space around
 * it allowed) between 1900 and 2999, or NULL for anything else, including impossible days such
 * as 2026-02-30 (iso_date.c).
 */
PG_FUNCTION_INFO_V1(sv_parse_date);
Datum
sv_parse_date(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	int			year,
				month,
				day;

	if (!iso_date_parse(s, len, &year, &month, &day))
		PG_RETURN_NULL();

	PG_RETURN_DATEADT(date2j(year, month, day) - POSTGRES_EPOCH_JDATE);
}
