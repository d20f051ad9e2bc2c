/*
 * fuzz/date.c: libFuzzer target for the date parser of bulk ingest, sv._parse_date
 * (src/ingest/iso_date.c), and the lunar calendar of the dates it accepts
 * (src/calendar/chinese.c, as sv.gregorian_to_lunar and sv.lunar_to_gregorian use it).
 *
 * Input: any bytes; only valid UTF-8 without NUL reaches the parser, as in the server.
 * Properties:
 *   - the parser accepts exactly what an independent reading of its contract accepts (spaces
 *     and tabs around YYYY-MM-DD, year 1900-2999, a day that exists in the proleptic
 *     Gregorian calendar: a JDN round trip), with the same year, month and day;
 *   - the accepted date written back as YYYY-MM-DD parses to the same date;
 *   - for 1901-2100, Gregorian -> lunar -> Gregorian is the identity, the lunar day is
 *     1..30 within a month of 29 or 30 days, and the next day is the next lunar day (or day
 *     1 of the next month).
 */
#include "postgres.h"

#include <string.h>

#include "calendar/chinese.h"
#include "ingest/iso_date.h"

#include "civil.h"
#include "shim.h"

static bool
oracle(const char *s, int len, int *y, int *m, int *d)
{
	int			a = 0,
				b = len;
	char		t[11];

	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	if (b - a != 10)
		return false;
	memcpy(t, s + a, 10);
	t[10] = '\0';
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? t[i] != '-' : (t[i] < '0' || t[i] > '9'))
			return false;
	*y = atoi(t);
	*m = atoi(t + 5);
	*d = atoi(t + 8);
	if (*y < 1900 || *y > 2999 || *m < 1 || *m > 12 || *d < 1 || *d > 31)
		return false;
	/* the day exists when its JDN reads back as the same date */
	{
		int			yy,
					mm,
					dd;

		jdn_to_civil(civil_to_jdn(*y, *m, *d), &yy, &mm, &dd);
		return yy == *y && mm == *m && dd == *d;
	}
}

static void
check_lunar(int y, int m, int d)
{
	int			jdn = civil_to_jdn(y, m, d);
	ChineseDate ld,
				next;
	int			back = 0,
				days = 0;
	ChineseDateProblem problem;
	int			ny,
				nm,
				nd;

	FUZZ_CHECK(chinese_date_of_jdn(jdn, y, &ld), "%04d-%02d-%02d has no lunar date", y, m, d);
	FUZZ_CHECK(ld.month >= 1 && ld.month <= 12 && ld.day >= 1 && ld.day <= 30,
			   "%04d-%02d-%02d: lunar %d-%d-%d", y, m, d, ld.year, ld.month, ld.day);
	FUZZ_CHECK(ld.year == y || ld.year == y - 1, "%04d-%02d-%02d: lunar year %d", y, m, d, ld.year);
	problem = chinese_date_to_jdn(&ld, &back, &days);
	FUZZ_CHECK(problem == CHINESE_DATE_OK && back == jdn,
			   "%04d-%02d-%02d -> lunar %d-%s%d-%d -> problem %d, JDN %d not %d",
			   y, m, d, ld.year, ld.leap ? "leap " : "", ld.month, ld.day, problem, back, jdn);

	/* the next day */
	jdn_to_civil(jdn + 1, &ny, &nm, &nd);
	if (ny > 2100)
		return;
	FUZZ_CHECK(chinese_date_of_jdn(jdn + 1, ny, &next), "no lunar date after %04d-%02d-%02d", y, m, d);
	if (next.day != 1)
		FUZZ_CHECK(next.year == ld.year && next.month == ld.month && next.leap == ld.leap && next.day == ld.day + 1,
				   "after lunar %d-%d-%d comes %d-%d-%d", ld.year, ld.month, ld.day, next.year, next.month, next.day);
	else
	{
		ChineseDate after = ld;

		/* the month that ended had 29 or 30 days: day 30 (or 31) does not exist in it */
		FUZZ_CHECK(ld.day == 29 || ld.day == 30, "lunar month of %d-%d ends on day %d", ld.year, ld.month, ld.day);
		after.day = ld.day + 1;
		if (after.day <= 30)
			FUZZ_CHECK(chinese_date_to_jdn(&after, &back, &days) == CHINESE_DATE_DAY_OF_MONTH && days == ld.day,
					   "lunar %d-%d-%d exists after the month's end", after.year, after.month, after.day);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	int			len = (int) size;
	int			y = 0,
				m = 0,
				d = 0,
				oy = 0,
				om = 0,
				od = 0;
	bool		ok,
				ook;
	char		buf[16];

	if (size > 256 || !fuzz_valid_text(data, size))
		return -1;

	ok = iso_date_parse(s, len, &y, &m, &d);
	ook = oracle(s, len, &oy, &om, &od);
	FUZZ_CHECK(ok == ook, "\"%.*s\": parser %s, oracle %s", len, s, ok ? "accepts" : "rejects", ook ? "accepts" : "rejects");
	if (!ok)
		return 0;
	FUZZ_CHECK(y == oy && m == om && d == od, "\"%.*s\": %d-%d-%d, oracle %d-%d-%d", len, s, y, m, d, oy, om, od);

	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	FUZZ_CHECK(iso_date_parse(buf, 10, &oy, &om, &od) && oy == y && om == m && od == d, "%s does not read back", buf);

	if (y >= 1901 && y <= 2100)
		check_lunar(y, m, d);
	return 0;
}
