/*
 * draw.h: helpers shared by the draw's C functions.
 */
#ifndef SV_DRAW_H
#define SV_DRAW_H

#include "postgres.h"

#include "miscadmin.h"
#include "utils/array.h"

#include "types/uscc.h"

/*
 * The population's line (docs/draw-protocol.md section 1): the 18 code characters, ',', the
 * stratum letter, '\n', i.e. 21 bytes.  Every length, offset and count of the population bytes
 * in C is computed from it (population.c, sample.c); the SQL that depends on it writes 21 and
 * says so: the CHECKs of sv.draw_population (60_draw.sql) and the verification's size step
 * (64_draw_verify.sql).
 */
#define SV_POPULATION_LINE_LEN (USCC_LEN + 3)
#define SV_POPULATION_LINE_SEP (USCC_LEN)			/* offset of the ',' */
#define SV_POPULATION_LINE_STRATUM (USCC_LEN + 1)	/* offset of the stratum letter */
#define SV_POPULATION_LINE_END (USCC_LEN + 2)		/* offset of the '\n' */

/*
 * Loops over the rows of a population (a million and more) check for interrupts once every
 * this many iterations (a power of two): a cancel is honoured within milliseconds, at no
 * measurable cost.
 */
#define SV_DRAW_INTERRUPT_EVERY 65536
#define SV_DRAW_CHECK_INTERRUPTS(i) \
	do { \
		if (((i) & (SV_DRAW_INTERRUPT_EVERY - 1)) == 0) \
			CHECK_FOR_INTERRUPTS(); \
	} while (0)

/*
 * An int4[] argument as a C array (no NULLs, one dimension); errors name the argument.  Read
 * only: without NULLs it points into the array itself.
 */
extern int32 *draw_int4_array(ArrayType *a, const char *name, int *n);

#endif
