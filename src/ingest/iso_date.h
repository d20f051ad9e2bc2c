/*
 * iso_date.h: the calendar dates bulk ingest accepts (iso_date.c).  Plain C with no server
 * dependency, so that the fuzz target (fuzz/date.c) calls it as sv._parse_date does.
 */
#ifndef SV_INGEST_ISO_DATE_H
#define SV_INGEST_ISO_DATE_H

#include <stdbool.h>

#define ISO_DATE_FIRST_YEAR 1900
#define ISO_DATE_LAST_YEAR 2999

/*
 * len bytes at s (not NUL-terminated): an ISO 8601 calendar date YYYY-MM-DD, spaces and tabs
 * around it allowed, of a year ISO_DATE_FIRST_YEAR .. ISO_DATE_LAST_YEAR and a day that
 * exists.  true and the date in *year, *month, *day; false for anything else.
 */
extern bool iso_date_parse(const char *s, int len, int *year, int *month, int *day);

#endif
