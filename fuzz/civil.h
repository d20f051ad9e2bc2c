/*
 * civil.h: Gregorian calendar arithmetic for the fuzz targets' oracles, written apart from the
 * product's code (H. Hinnant's days_from_civil / civil_from_days).
 */
#ifndef SV_FUZZ_CIVIL_H
#define SV_FUZZ_CIVIL_H

#define JDN_1970_01_01 2440588

/* Julian Day Number of a proleptic Gregorian date */
static inline int
civil_to_jdn(int y, int m, int d)
{
	int			era,
				yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 + JDN_1970_01_01;
}

static inline void
jdn_to_civil(int jdn, int *y, int *m, int *d)
{
	int			z = jdn - JDN_1970_01_01 + 719468;
	int			era = (z >= 0 ? z : z - 146096) / 146097;
	int			doe = z - era * 146097;
	int			yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int			doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int			mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

#endif
