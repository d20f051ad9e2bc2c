/*
 * sv_platform.h: module-wide declarations (GUC variables).
 */
#ifndef SV_PLATFORM_H
#define SV_PLATFORM_H

/* sv.timezone: the zone in which a timestamp becomes a legal (calendar) date */
extern char *sv_timezone;

/* sv.uscc_restore_mode: accept codes failing only the check character (pg_restore) */
extern bool sv_uscc_restore_mode;

/* sv.low_fine_limit: largest "low" fine in yuan (3-month publication of a penalty) */
extern int	sv_low_fine_limit;

#endif
