/*
 * chinese.h: the modern Chinese lunisolar calendar (农历) computed from astronomy, by the
 * rules of GB/T 33661-2017 《农历的编算和颁行》.  Days are Julian Day Numbers of Beijing dates.
 * Plain C with no PostgreSQL dependency.
 */
#ifndef SV_CALENDAR_CHINESE_H
#define SV_CALENDAR_CHINESE_H

#include <stdbool.h>

/* The lunar years whose months the functions answer for (their Gregorian span is wider). */
#define CHINESE_FIRST_YEAR 1900
#define CHINESE_LAST_YEAR 2100

typedef struct ChineseMonth
{
	int			start;			/* JDN of day 1 */
	int			days;			/* 29 or 30 */
	int			number;			/* 1 .. 12 */
	bool		leap;			/* 闰月 */
} ChineseMonth;

typedef struct ChineseYear
{
	int			year;			/* the Gregorian year in which its month 1 begins */
	int			nmonths;		/* 12, or 13 with a leap month */
	ChineseMonth month[13];
} ChineseYear;

/* false when year is outside CHINESE_FIRST_YEAR .. CHINESE_LAST_YEAR */
extern bool chinese_year(int year, ChineseYear *out);

/* the Beijing date (JDN) of the 清明 solar term (sun at 15 deg) in a Gregorian year */
extern int	chinese_qingming(int year);

#endif
