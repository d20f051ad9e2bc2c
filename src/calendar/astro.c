/*
 * astro.c: new moons and the sun's apparent longitude, for the Chinese calendar.
 *
 * Sources (formulas re-implemented here, coefficient tables transcribed from them):
 *   [M]  Jean Meeus, "Astronomical Algorithms", 2nd ed., 1998:
 *        ch. 22 (nutation, low-accuracy form), ch. 25 (apparent longitude of the sun: FK5
 *        correction, aberration), ch. 32 + appendix III (the truncated VSOP87 series for the
 *        earth, also printed as table A4.2 of Reda & Andreas, NREL/TP-560-34302, 2008),
 *        ch. 49 (phases of the moon: mean new moon and the periodic terms of the true one).
 *   [EM] F. Espenak and J. Meeus, "Five Millennium Canon of Solar Eclipses", NASA/TP-2006-
 *        214141, section 2.6: polynomial expressions for Delta T = TT - UT.
 *
 * Accuracy over 1900-2100: the truncated VSOP87 series give the sun's longitude to about 1"
 * (the sun moves 1" in about 24 s); Meeus's new-moon series is good to well under a minute.
 * Delta T is known to about a second for the past; for the future it is an extrapolation
 * ([EM] overestimates today's value by a few seconds and may be off by a minute or more by
 * 2100), which is also true of any published calendar for those years.
 */
#include <math.h>

#include "calendar/astro.h"

#define DEG (M_PI / 180.0)
#define J2000 2451545.0
#define SYNODIC 29.530588861	/* [M] 49.1: mean synodic month, days */
#define TROPICAL 365.242189		/* mean tropical year, days */

/* x reduced to [0, 360) degrees */
static double
norm360(double x)
{
	x = fmod(x, 360.0);
	return x < 0 ? x + 360.0 : x;
}

/*
 * Delta T = TT - UT in seconds at a moment given as JDE, by [EM] 2.6 (decimal year y).
 */
double
astro_delta_t(double jde)
{
	double		y = 2000.0 + (jde - J2000) / 365.25;
	double		t;

	if (y < 1900)
	{
		t = y - 1860;
		return 7.62 + 0.5737 * t - 0.251754 * t * t + 0.01680668 * t * t * t
			- 0.0004473624 * pow(t, 4) + pow(t, 5) / 233174.0;
	}
	if (y < 1920)
	{
		t = y - 1900;
		return -2.79 + 1.494119 * t - 0.0598939 * t * t + 0.0061966 * t * t * t
			- 0.000197 * pow(t, 4);
	}
	if (y < 1941)
	{
		t = y - 1920;
		return 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t;
	}
	if (y < 1961)
	{
		t = y - 1950;
		return 29.07 + 0.407 * t - t * t / 233.0 + t * t * t / 2547.0;
	}
	if (y < 1986)
	{
		t = y - 1975;
		return 45.45 + 1.067 * t - t * t / 260.0 - t * t * t / 718.0;
	}
	if (y < 2005)
	{
		t = y - 2000;
		return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t
			+ 0.000651814 * pow(t, 4) + 0.00002373599 * pow(t, 5);
	}
	if (y < 2050)
	{
		t = y - 2000;
		return 62.92 + 0.32217 * t + 0.005589 * t * t;
	}
	t = (y - 1820) / 100;
	if (y < 2150)
		return -20 + 32 * t * t - 0.5628 * (2150 - y);
	return -20 + 32 * t * t;
}

/*
 * The true new moon number k (k = 0: the new moon of 2000-01-06), as JDE, by [M] ch. 49:
 * the mean new moon (49.1) plus the periodic terms in the sun's and moon's mean anomalies M
 * and M', the moon's argument of latitude F and its node's longitude Omega (the "New Moon"
 * column of the chapter's table, the E factor for terms in M), plus the 14 planetary terms.
 */
double
astro_new_moon(int k)
{
	static const double planetary[14][3] = {
		/* amplitude (days), A at k = 0 (deg), A per lunation (deg) */
		{0.000325, 299.77, 0.107408}, {0.000165, 251.88, 0.016321},
		{0.000164, 251.83, 26.651886}, {0.000126, 349.42, 36.412478},
		{0.000110, 84.66, 18.206239}, {0.000062, 141.74, 53.303771},
		{0.000060, 207.14, 2.453732}, {0.000056, 154.84, 7.306860},
		{0.000047, 34.52, 27.261239}, {0.000042, 207.19, 0.121824},
		{0.000040, 291.34, 1.844379}, {0.000037, 161.72, 24.198154},
		{0.000035, 239.56, 25.513099}, {0.000023, 331.55, 3.592518},
	};
	double		T = k / 1236.85;
	double		T2 = T * T,
				T3 = T2 * T,
				T4 = T3 * T;
	double		jde,
				E,
				M,
				Mp,
				F,
				Om,
				c;
	int			i;

	jde = 2451550.09766 + SYNODIC * k + 0.00015437 * T2 - 0.000000150 * T3 + 0.00000000073 * T4;
	E = 1 - 0.002516 * T - 0.0000074 * T2;
	M = DEG * (2.5534 + 29.10535670 * k - 0.0000014 * T2 - 0.00000011 * T3);
	Mp = DEG * (201.5643 + 385.81693528 * k + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4);
	F = DEG * (160.7108 + 390.67050284 * k - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4);
	Om = DEG * (124.7746 - 1.56375588 * k + 0.0020672 * T2 + 0.00000215 * T3);

	c = -0.40720 * sin(Mp)
		+ 0.17241 * E * sin(M)
		+ 0.01608 * sin(2 * Mp)
		+ 0.01039 * sin(2 * F)
		+ 0.00739 * E * sin(Mp - M)
		- 0.00514 * E * sin(Mp + M)
		+ 0.00208 * E * E * sin(2 * M)
		- 0.00111 * sin(Mp - 2 * F)
		- 0.00057 * sin(Mp + 2 * F)
		+ 0.00056 * E * sin(2 * Mp + M)
		- 0.00042 * sin(3 * Mp)
		+ 0.00042 * E * sin(M + 2 * F)
		+ 0.00038 * E * sin(M - 2 * F)
		- 0.00024 * E * sin(2 * Mp - M)
		- 0.00017 * sin(Om)
		- 0.00007 * sin(Mp + 2 * M)
		+ 0.00004 * sin(2 * Mp - 2 * F)
		+ 0.00004 * sin(3 * M)
		+ 0.00003 * sin(Mp + M - 2 * F)
		+ 0.00003 * sin(2 * Mp + 2 * F)
		- 0.00003 * sin(Mp + M + 2 * F)
		+ 0.00003 * sin(Mp - M + 2 * F)
		- 0.00002 * sin(Mp - M - 2 * F)
		- 0.00002 * sin(3 * Mp + M)
		+ 0.00002 * sin(4 * Mp);

	for (i = 0; i < 14; i++)
		c += planetary[i][0] * sin(DEG * (planetary[i][1] + planetary[i][2] * k
										  - (i == 0 ? 0.009173 * T2 : 0)));
	return jde + c;
}

/* The number k of the last new moon at or before jde. */
int
astro_new_moon_index(double jde)
{
	int			k = (int) floor((jde - 2451550.09766) / SYNODIC);

	while (astro_new_moon(k + 1) <= jde)
		k++;
	while (astro_new_moon(k) > jde)
		k--;
	return k;
}

/*
 * VSOP87 (truncated, [M] appendix III) for the earth's heliocentric longitude L and radius
 * vector R: each series is sum A cos(B + C tau), A in 1e-8 rad (au), tau in Julian millennia.
 */
typedef struct
{
	double		a,
				b,
				c;
} VsopTerm;

static const VsopTerm L0[] = {
	{175347046, 0, 0}, {3341656, 4.6692568, 6283.07585}, {34894, 4.6261, 12566.1517},
	{3497, 2.7441, 5753.3849}, {3418, 2.8289, 3.5231}, {3136, 3.6277, 77713.7715},
	{2676, 4.4181, 7860.4194}, {2343, 6.1352, 3930.2097}, {1324, 0.7425, 11506.7698},
	{1273, 2.0371, 529.691}, {1199, 1.1096, 1577.3435}, {990, 5.233, 5884.927},
	{902, 2.045, 26.298}, {857, 3.508, 398.149}, {780, 1.179, 5223.694},
	{753, 2.533, 5507.553}, {505, 4.583, 18849.228}, {492, 4.205, 775.523},
	{357, 2.92, 0.067}, {317, 5.849, 11790.629}, {284, 1.899, 796.298},
	{271, 0.315, 10977.079}, {243, 0.345, 5486.778}, {206, 4.806, 2544.314},
	{205, 1.869, 5573.143}, {202, 2.458, 6069.777}, {156, 0.833, 213.299},
	{132, 3.411, 2942.463}, {126, 1.083, 20.775}, {115, 0.645, 0.98},
	{103, 0.636, 4694.003}, {102, 0.976, 15720.839}, {102, 4.267, 7.114},
	{99, 6.21, 2146.17}, {98, 0.68, 155.42}, {86, 5.98, 161000.69},
	{85, 1.3, 6275.96}, {85, 3.67, 71430.7}, {80, 1.81, 17260.15},
	{79, 3.04, 12036.46}, {75, 1.76, 5088.63}, {74, 3.5, 3154.69},
	{74, 4.68, 801.82}, {70, 0.83, 9437.76}, {62, 3.98, 8827.39},
	{61, 1.82, 7084.9}, {57, 2.78, 6286.6}, {56, 4.39, 14143.5},
	{56, 3.47, 6279.55}, {52, 0.19, 12139.55}, {52, 1.33, 1748.02},
	{51, 0.28, 5856.48}, {49, 0.49, 1194.45}, {41, 5.37, 8429.24},
	{41, 2.4, 19651.05}, {39, 6.17, 10447.39}, {37, 6.04, 10213.29},
	{37, 2.57, 1059.38}, {36, 1.71, 2352.87}, {36, 1.78, 6812.77},
	{33, 0.59, 17789.85}, {30, 0.44, 83996.85}, {30, 2.74, 1349.87},
	{25, 3.16, 4690.48},
};
static const VsopTerm L1[] = {
	{628331966747, 0, 0}, {206059, 2.678235, 6283.07585}, {4303, 2.6351, 12566.1517},
	{425, 1.59, 3.523}, {119, 5.796, 26.298}, {109, 2.966, 1577.344},
	{93, 2.59, 18849.23}, {72, 1.14, 529.69}, {68, 1.87, 398.15},
	{67, 4.41, 5507.55}, {59, 2.89, 5223.69}, {56, 2.17, 155.42},
	{45, 0.4, 796.3}, {36, 0.47, 775.52}, {29, 2.65, 7.11},
	{21, 5.34, 0.98}, {19, 1.85, 5486.78}, {19, 4.97, 213.3},
	{17, 2.99, 6275.96}, {16, 0.03, 2544.31}, {16, 1.43, 2146.17},
	{15, 1.21, 10977.08}, {12, 2.83, 1748.02}, {12, 3.26, 5088.63},
	{12, 5.27, 1194.45}, {12, 2.08, 4694}, {11, 0.77, 553.57},
	{10, 1.3, 6286.6}, {10, 4.24, 1349.87}, {9, 2.7, 242.73},
	{9, 5.64, 951.72}, {8, 5.3, 2352.87}, {6, 2.65, 9437.76},
	{6, 4.67, 4690.48},
};
static const VsopTerm L2[] = {
	{52919, 0, 0}, {8720, 1.0721, 6283.0758}, {309, 0.867, 12566.152},
	{27, 0.05, 3.52}, {16, 5.19, 26.3}, {16, 3.68, 155.42},
	{10, 0.76, 18849.23}, {9, 2.06, 77713.77}, {7, 0.83, 775.52},
	{5, 4.66, 1577.34}, {4, 1.03, 7.11}, {4, 3.44, 5573.14},
	{3, 5.14, 796.3}, {3, 6.05, 5507.55}, {3, 1.19, 242.73},
	{3, 6.12, 529.69}, {3, 0.31, 398.15}, {3, 2.28, 553.57},
	{2, 4.38, 5223.69}, {2, 3.75, 0.98},
};
static const VsopTerm L3[] = {
	{289, 5.844, 6283.076}, {35, 0, 0}, {17, 5.49, 12566.15},
	{3, 5.2, 155.42}, {1, 4.72, 3.52}, {1, 5.3, 18849.23}, {1, 5.97, 242.73},
};
static const VsopTerm L4[] = {{114, 3.142, 0}, {8, 4.13, 6283.08}, {1, 3.84, 12566.15}};
static const VsopTerm L5[] = {{1, 3.14, 0}};
static const VsopTerm R0[] = {
	{100013989, 0, 0}, {1670700, 3.0984635, 6283.07585}, {13956, 3.05525, 12566.1517},
	{3084, 5.1985, 77713.7715}, {1628, 1.1739, 5753.3849}, {1576, 2.8469, 7860.4194},
};
static const VsopTerm R1[] = {{103019, 1.10749, 6283.07585}, {1721, 1.0644, 12566.1517}};

#define NTERMS(a) ((int) (sizeof(a) / sizeof((a)[0])))

static double
vsop_sum(const VsopTerm *t, int n, double tau)
{
	double		s = 0;
	int			i;

	/* smallest terms first, for a slightly better rounded sum */
	for (i = n - 1; i >= 0; i--)
		s += t[i].a * cos(t[i].b + t[i].c * tau);
	return s;
}

/*
 * The sun's apparent geocentric longitude at jde, in degrees [0, 360), by [M] 25.9 with the
 * VSOP87 series: geometric longitude = L + 180 deg, converted to FK5 (-0.09033"), plus the
 * nutation in longitude ([M] ch. 22, the four largest terms, good to 0.5") and the
 * aberration (-20.4898" / R).
 */
double
astro_sun_longitude(double jde)
{
	double		tau = (jde - J2000) / 365250.0;
	double		T = tau * 10;
	double		L,
				R,
				lon,
				Ls,
				Lm,
				Om,
				dpsi;

	L = (vsop_sum(L0, NTERMS(L0), tau)
		 + tau * (vsop_sum(L1, NTERMS(L1), tau)
				  + tau * (vsop_sum(L2, NTERMS(L2), tau)
						   + tau * (vsop_sum(L3, NTERMS(L3), tau)
									+ tau * (vsop_sum(L4, NTERMS(L4), tau)
											 + tau * vsop_sum(L5, NTERMS(L5), tau)))))) / 1e8;
	R = (vsop_sum(R0, NTERMS(R0), tau) + tau * vsop_sum(R1, NTERMS(R1), tau)) / 1e8;

	lon = L / DEG + 180.0 - 0.09033 / 3600.0;

	Ls = DEG * (280.4665 + 36000.7698 * T);
	Lm = DEG * (218.3165 + 481267.8813 * T);
	Om = DEG * (125.04452 - 1934.136261 * T);
	dpsi = -17.20 * sin(Om) - 1.32 * sin(2 * Ls) - 0.23 * sin(2 * Lm) + 0.21 * sin(2 * Om);

	return norm360(lon + (dpsi - 20.4898 / R) / 3600.0);
}

/*
 * The moment (JDE) near jde_guess (within a few weeks) when the sun's apparent longitude is
 * longitude degrees: Newton's method with the sun's mean motion as derivative.
 */
double
astro_solar_term(double jde_guess, double longitude)
{
	double		jde = jde_guess;
	int			i;

	for (i = 0; i < 20; i++)
	{
		double		d = norm360(longitude - astro_sun_longitude(jde) + 180.0) - 180.0;

		jde += d * TROPICAL / 360.0;
		if (fabs(d) < 1e-7)		/* 0.0004": a hundredth of a second */
			break;
	}
	return jde;
}

/*
 * The moment of the solar term at the given longitude that falls in the Gregorian year:
 * the sun is at 0 deg near 20 March, at 285 deg near 5 January.
 */
double
astro_solar_term_in_year(int year, double longitude)
{
	/* the March equinox of 2000 was at JDE 2451623.81 */
	double		days = norm360(longitude) / 360.0 * TROPICAL;

	if (longitude >= 280.0)		/* 小寒 .. 春分 before it fall in January to March */
		days -= TROPICAL;
	return astro_solar_term(2451623.81 + (year - 2000) * TROPICAL + days, longitude);
}

/*
 * The Beijing calendar day of a moment given as JDE (TT), as a Julian Day Number.  From 1929
 * the calendar is reckoned in the time of the 120 deg E meridian (UTC+8, GB/T 33661-2017
 * 4.1); before that it was reckoned in the local mean time of Beijing, 116 deg 25' E, that
 * is UTC+7h45m40s (the published calendars of 1901-1928 follow it: 1916's month 1 began on
 * 3 February, a new moon at 23:51 local time, 00:05 in UTC+8).
 */
int
astro_beijing_day(double jde)
{
	double		jd_ut = jde - astro_delta_t(jde) / 86400.0;
	double		offset = jd_ut < 2425612.5 /* 1929-01-01 */ ? (116.0 + 25.0 / 60.0) / 360.0 : 8.0 / 24.0;

	return (int) floor(jd_ut + offset + 0.5);
}
