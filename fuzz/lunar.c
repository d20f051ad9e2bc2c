/*
 * fuzz/lunar.c: libFuzzer target for lunar dates as sv.lunar_to_gregorian reads them
 * (src/calendar/chinese.c: chinese_date_to_jdn), any integers in.
 *
 * Input: year, month, day as three little-endian int32 and leap as the low bit of the next
 * byte (13 bytes or more), or, for short inputs, small values around the valid range.
 * Properties:
 *   - the problem reported is the first in the documented order (year, month, day, day of the
 *     month, leap month), checked against the ranges;
 *   - an accepted date's JDN reads back (chinese_date_of_jdn) as the same lunar date, and the
 *     day before it is the day before in the lunar calendar (or the last of the month before);
 *   - a date refused for its day names the month's length, 29 or 30, and the day before the
 *     month's last is accepted.
 */
#include "postgres.h"

#include <string.h>

#include "calendar/chinese.h"

#include "civil.h"
#include "shim.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ChineseDate ld,
				back;
	int			jdn = 0,
				days = 0,
				y,
				m,
				d;
	ChineseDateProblem problem;

	if (size >= 13)
	{
		int32		v[3];

		memcpy(v, data, sizeof(v));
		ld.year = v[0];
		ld.month = v[1];
		ld.day = v[2];
		ld.leap = data[12] & 1;
	}
	else if (size >= 4)
	{
		ld.year = 1895 + data[0] % 212;		/* 1895 .. 2106 */
		ld.month = (int8) data[1] % 16;
		ld.day = (int8) data[2] % 40;
		ld.leap = data[3] & 1;
	}
	else
		return -1;

	problem = chinese_date_to_jdn(&ld, &jdn, &days);
	if (ld.year < CHINESE_FIRST_YEAR || ld.year > CHINESE_LAST_YEAR)
	{
		FUZZ_CHECK(problem == CHINESE_DATE_YEAR, "year %d: problem %d", ld.year, problem);
		return 0;
	}
	FUZZ_CHECK(problem != CHINESE_DATE_YEAR, "year %d refused", ld.year);
	if (ld.month < 1 || ld.month > 12)
	{
		FUZZ_CHECK(problem == CHINESE_DATE_MONTH, "month %d: problem %d", ld.month, problem);
		return 0;
	}
	if (ld.day < 1 || ld.day > 30)
	{
		FUZZ_CHECK(problem == CHINESE_DATE_DAY, "day %d: problem %d", ld.day, problem);
		return 0;
	}
	if (problem == CHINESE_DATE_NO_LEAP_MONTH)
	{
		FUZZ_CHECK(ld.leap, "month %d of %d (not leap) not found", ld.month, ld.year);
		return 0;
	}
	if (problem == CHINESE_DATE_DAY_OF_MONTH)
	{
		ChineseDate last = ld;

		FUZZ_CHECK((days == 29 || days == 30) && ld.day > days, "day %d refused, month of %d days", ld.day, days);
		last.day = days;
		FUZZ_CHECK(chinese_date_to_jdn(&last, &jdn, &days) == CHINESE_DATE_OK, "the last day %d refused", last.day);
		return 0;
	}
	FUZZ_CHECK(problem == CHINESE_DATE_OK, "problem %d", problem);

	/* back from the JDN, where sv.gregorian_to_lunar can (Gregorian 1901-2100) */
	jdn_to_civil(jdn, &y, &m, &d);
	if (y <= CHINESE_FIRST_YEAR || y > CHINESE_LAST_YEAR)
		return 0;
	FUZZ_CHECK(chinese_date_of_jdn(jdn, y, &back), "JDN %d has no lunar date", jdn);
	FUZZ_CHECK(back.year == ld.year && back.month == ld.month && back.day == ld.day && back.leap == ld.leap,
			   "lunar %d-%s%d-%d -> JDN %d -> %d-%s%d-%d", ld.year, ld.leap ? "leap " : "", ld.month, ld.day,
			   jdn, back.year, back.leap ? "leap " : "", back.month, back.day);

	/* the day before */
	jdn_to_civil(jdn - 1, &y, &m, &d);
	if (y <= CHINESE_FIRST_YEAR)
		return 0;
	FUZZ_CHECK(chinese_date_of_jdn(jdn - 1, y, &back), "JDN %d has no lunar date", jdn - 1);
	if (ld.day > 1)
		FUZZ_CHECK(back.year == ld.year && back.month == ld.month && back.leap == ld.leap && back.day == ld.day - 1,
				   "before lunar %d-%d-%d comes %d-%d-%d", ld.year, ld.month, ld.day, back.year, back.month, back.day);
	else
		FUZZ_CHECK(back.day == 29 || back.day == 30, "lunar month before %d-%d ends on day %d", ld.year, ld.month, back.day);
	return 0;
}
