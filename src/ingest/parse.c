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

/* Is c an ASCII digit?  (isdigit() depends on the locale.) */
static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * sv._parse_date(text) returns date: an ISO 8601 calendar date YYYY-MM-DD (white space around
 * it allowed) between 1900 and 2999, or NULL for anything else, including impossible days such
 * as 2026-02-30.  Department systems send ISO dates; other spellings are rejected rather than
 * guessed at (is 03/04 March or April?).
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

	while (len > 0 && (*s == ' ' || *s == '\t'))
	{
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;

	if (len != 10 || s[4] != '-' || s[7] != '-' ||
		!is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
		!is_digit(s[5]) || !is_digit(s[6]) || !is_digit(s[8]) || !is_digit(s[9]))
		PG_RETURN_NULL();

	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');

	if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 ||
		day > day_tab[isleap(year)][month - 1])
		PG_RETURN_NULL();

	PG_RETURN_DATEADT(date2j(year, month, day) - POSTGRES_EPOCH_JDATE);
}
