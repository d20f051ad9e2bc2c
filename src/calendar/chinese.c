/*
 * chinese.c: the months of a Chinese lunar year, by GB/T 33661-2017 《农历的编算和颁行》:
 *   - all times are Beijing time (UTC+8), and events are compared by their Beijing date;
 *   - a month begins on the day of a new moon (朔) and lasts until the day before the next;
 *   - the month containing the winter solstice (冬至, sun at 270 deg) is month 11;
 *   - in a "sui" (岁: winter solstice to the next, month 11 to the next month 11 exclusive)
 *     of 13 months, the first month that contains no principal term (中气, sun at a multiple
 *     of 30 deg) is the leap month and takes the number of the month before it;
 *   - months are otherwise numbered in order, and the year begins with month 1 (正月).
 * The astronomy is in astro.c.
 */
#include <stdbool.h>
#include <string.h>

#include "calendar/astro.h"
#include "calendar/chinese.h"

/* One sui: the months from the one containing the winter solstice of year-1 to the one
 * before the month containing the winter solstice of year. */
typedef struct Sui
{
	int			n;				/* 12 or 13 */
	int			start[14];		/* start[i]: JDN of day 1 of month i; start[n]: next month 11 */
	int			number[13];
	bool		leap[13];
} Sui;

/*
 * A small per-process cache: a sui takes some 40 solar-term and new-moon computations, and
 * the working-day calendar asks for the same few years again and again.
 */
#define SUI_FIRST (CHINESE_FIRST_YEAR - 1)
#define SUI_LAST (CHINESE_LAST_YEAR + 2)
static Sui sui_cache[SUI_LAST - SUI_FIRST + 1];
static bool sui_cached[SUI_LAST - SUI_FIRST + 1];

static const Sui *
sui_get(int year)
{
	Sui		   *s = &sui_cache[year - SUI_FIRST];
	double		ws0,
				ws1;
	int			ws0_day,
				ws1_day,
				zq[13],
				k,
				i,
				j;

	if (sui_cached[year - SUI_FIRST])
		return s;
	memset(s, 0, sizeof(*s));

	/* the 13 principal terms from one winter solstice to the next, as Beijing dates */
	ws0 = astro_solar_term_in_year(year - 1, 270.0);
	ws1 = astro_solar_term_in_year(year, 270.0);
	ws0_day = astro_beijing_day(ws0);
	ws1_day = astro_beijing_day(ws1);
	zq[0] = ws0_day;
	zq[12] = ws1_day;
	for (j = 1; j < 12; j++)
		zq[j] = astro_beijing_day(astro_solar_term(ws0 + j * (ws1 - ws0) / 12.0,
												   270.0 + 30.0 * j));

	/* month 11: the last new moon whose Beijing date is on or before the solstice's */
	k = astro_new_moon_index(ws0);
	while (astro_beijing_day(astro_new_moon(k + 1)) <= ws0_day)
		k++;
	while (astro_beijing_day(astro_new_moon(k)) > ws0_day)
		k--;
	s->start[0] = astro_beijing_day(astro_new_moon(k));
	for (i = 1; i <= 13; i++)
	{
		s->start[i] = astro_beijing_day(astro_new_moon(k + i));
		if (s->start[i] > ws1_day)
			break;
	}
	s->n = i - 1;				/* start[n] is the next month 11 */

	/* a sui of 13 months: the first month without a principal term is the leap month */
	if (s->n == 13)
	{
		for (i = 1; i < 13; i++)
		{
			bool		has_zq = false;

			for (j = 0; j <= 12; j++)
				if (zq[j] >= s->start[i] && zq[j] < s->start[i + 1])
					has_zq = true;
			if (!has_zq)
			{
				s->leap[i] = true;
				break;
			}
		}
	}
	s->number[0] = 11;
	for (i = 1; i < s->n; i++)
		s->number[i] = s->leap[i] ? s->number[i - 1] : s->number[i - 1] % 12 + 1;

	sui_cached[year - SUI_FIRST] = true;
	return s;
}

/* index of month 1 (not leap) in a sui */
static int
sui_first_month(const Sui *s)
{
	int			i;

	for (i = 0; i < s->n; i++)
		if (s->number[i] == 1 && !s->leap[i])
			return i;
	return -1;					/* unreachable: every sui has a month 1 */
}

bool
chinese_year(int year, ChineseYear *out)
{
	const Sui  *a,
			   *b;
	int			i,
				p,
				q,
				m = 0;

	if (year < CHINESE_FIRST_YEAR || year > CHINESE_LAST_YEAR)
		return false;
	/* months 1 .. 10 (and their leap months) are in the sui ending with this year's
	 * solstice; months 11 and 12 in the next one, up to the next month 1 */
	a = sui_get(year);
	b = sui_get(year + 1);
	p = sui_first_month(a);
	q = sui_first_month(b);
	out->year = year;
	for (i = p; i < a->n; i++, m++)
	{
		out->month[m].start = a->start[i];
		out->month[m].days = a->start[i + 1] - a->start[i];
		out->month[m].number = a->number[i];
		out->month[m].leap = a->leap[i];
	}
	for (i = 0; i < q; i++, m++)
	{
		out->month[m].start = b->start[i];
		out->month[m].days = b->start[i + 1] - b->start[i];
		out->month[m].number = b->number[i];
		out->month[m].leap = b->leap[i];
	}
	out->nmonths = m;
	return true;
}

ChineseDateProblem
chinese_date_to_jdn(const ChineseDate *d, int *jdn, int *days)
{
	ChineseYear cy;

	if (!chinese_year(d->year, &cy))
		return CHINESE_DATE_YEAR;
	if (d->month < 1 || d->month > 12)
		return CHINESE_DATE_MONTH;
	if (d->day < 1 || d->day > 30)
		return CHINESE_DATE_DAY;
	for (int i = 0; i < cy.nmonths; i++)
	{
		const ChineseMonth *m = &cy.month[i];

		if (m->number != d->month || m->leap != d->leap)
			continue;
		if (d->day > m->days)
		{
			*days = m->days;
			return CHINESE_DATE_DAY_OF_MONTH;
		}
		*jdn = m->start + d->day - 1;
		return CHINESE_DATE_OK;
	}
	return CHINESE_DATE_NO_LEAP_MONTH;
}

bool
chinese_date_of_jdn(int jdn, int gregorian_year, ChineseDate *out)
{
	ChineseYear cy;
	int			i;

	if (gregorian_year <= CHINESE_FIRST_YEAR || gregorian_year > CHINESE_LAST_YEAR)
		return false;
	/* the lunar year is the Gregorian one, or the one before until its month 1 begins */
	chinese_year(gregorian_year, &cy);
	if (jdn < cy.month[0].start)
		chinese_year(gregorian_year - 1, &cy);
	for (i = cy.nmonths - 1; i > 0 && cy.month[i].start > jdn; i--)
		;
	out->year = cy.year;
	out->month = cy.month[i].number;
	out->day = jdn - cy.month[i].start + 1;
	out->leap = cy.month[i].leap;
	return true;
}

int
chinese_qingming(int year)
{
	return astro_beijing_day(astro_solar_term_in_year(year, 15.0));
}
