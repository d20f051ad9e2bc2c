/*
 * iso_date.c: the lenient date parser of bulk ingest (sv._parse_date in parse.c).
 *
 * Department systems send ISO dates; other spellings are rejected rather than guessed at (is
 * 03/04 March or April?).  Pure computation, no server call: fuzz/date.c runs it as it is.
 */
#include "ingest/iso_date.h"

/* Is c an ASCII digit?  (isdigit() depends on the locale.) */
static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (year % 4 == 0) && (year % 100 != 0 || year % 400 == 0);

	return days[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool
iso_date_parse(const char *s, int len, int *year, int *month, int *day)
{
	int			y,
				m,
				d;

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
		return false;

	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');

	if (y < ISO_DATE_FIRST_YEAR || y > ISO_DATE_LAST_YEAR || m < 1 || m > 12 || d < 1 ||
		d > days_in_month(y, m))
		return false;

	*year = y;
	*month = m;
	*day = d;
	return true;
}
