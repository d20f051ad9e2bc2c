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

/* A date of the lunar calendar, and what can be wrong with one. */
typedef struct ChineseDate
{
	int			year;			/* lunar year (ChineseYear.year) */
	int			month;			/* 1 .. 12 */
	int			day;			/* 1 .. 30 */
	bool		leap;			/* in the leap month */
} ChineseDate;

typedef enum ChineseDateProblem
{
	CHINESE_DATE_OK = 0,
	CHINESE_DATE_YEAR,			/* year outside CHINESE_FIRST_YEAR .. CHINESE_LAST_YEAR */
	CHINESE_DATE_MONTH,			/* month outside 1 .. 12 */
	CHINESE_DATE_DAY,			/* day outside 1 .. 30 */
	CHINESE_DATE_DAY_OF_MONTH,	/* day after the month's last (29th) */
	CHINESE_DATE_NO_LEAP_MONTH	/* leap month asked for, and this one is not leap in that year */
} ChineseDateProblem;

/*
 * The JDN of a lunar date; on CHINESE_DATE_DAY_OF_MONTH, *days is the month's length.
 * The checks run in the order of the enum and stop at the first problem.
 */
extern ChineseDateProblem chinese_date_to_jdn(const ChineseDate *d, int *jdn, int *days);

/*
 * The lunar date of a JDN whose Gregorian year is gregorian_year (the caller's conversion),
 * CHINESE_FIRST_YEAR + 1 .. CHINESE_LAST_YEAR; false outside.
 */
extern bool chinese_date_of_jdn(int jdn, int gregorian_year, ChineseDate *out);

/* the Beijing date (JDN) of the 清明 solar term (sun at 15 deg) in a Gregorian year */
extern int	chinese_qingming(int year);

#endif
