/*
 * astro.h: the two astronomical events the Chinese calendar is built on, new moons and the
 * sun's apparent longitude (solar terms), as Julian Ephemeris Days (TT) and as dates in
 * Beijing time.  Plain C with no PostgreSQL dependency, so it can be checked on its own.
 */
#ifndef SV_CALENDAR_ASTRO_H
#define SV_CALENDAR_ASTRO_H

/* Julian Day Number of 2000-01-01, the day PostgreSQL's date type counts from. */
#define ASTRO_JDN_2000 2451545

extern double astro_delta_t(double jde);
extern double astro_new_moon(int k);
extern int	astro_new_moon_index(double jde);
extern double astro_sun_longitude(double jde);
extern double astro_solar_term(double jde_guess, double longitude);
extern double astro_solar_term_in_year(int year, double longitude);
extern int	astro_beijing_day(double jde);

#endif
