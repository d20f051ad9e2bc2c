/*
 * population.h: the population's two byte formats, shared by population.c and the fuzz
 * target fuzz/population.c (population_codec.c, which needs no server):
 *   - the population itself, lines "<code>,<stratum>\n" (docs/draw-protocol.md section 1),
 *     read back by the verification;
 *   - a sorted run of keys as a parallel worker sends it to the leader.
 */
#ifndef SV_DRAW_POPULATION_H
#define SV_DRAW_POPULATION_H

#include "postgres.h"

#include "draw/draw.h"

#ifndef HAVE_INT128
#error "the draw's population keys need a 128-bit integer type"
#endif

/*
 * A row as one key: the 18 code characters as 5-bit alphabet values (GB 32100's 31 symbols,
 * in byte order) in bits 127..38, the kind in bit 37 (0 a class or an exclusion, 1 a
 * subject), and the value (a class letter or X, or a region number) in bits 31..0.  Ordered by
 * code and kind, a code's class and exclusion come before its subject; the order of the value
 * bits does not matter (the sort leaves them out).
 */
typedef uint128 Key;

#define KEY_CODE_SHIFT 38
#define KEY_KIND_BIT ((Key) 1 << 37)
#define KEY_CODE(k) ((k) >> KEY_CODE_SHIFT)
#define KEY_VALUE(k) ((int32) (uint32) (k))
#define KEY_LOW_MASK (((Key) 1 << KEY_CODE_SHIFT) - 1)

/* the most bytes one key takes in an encoded run: 13 for 90 bits of code, 6 for 38 */
#define MAX_ENCODED_KEY 20

/*
 * The candidates per stratum A, B, C, D, U of population bytes, into sizes[5]; false when the
 * bytes are not whole lines of those strata in protocol order (strata A..U, codes strictly
 * ascending within one).
 */
extern bool population_sizes(const char *p, int64 len, int32 *sizes);

/*
 * A sorted run of n keys encoded at out (room for sizeof(int64) + n * MAX_ENCODED_KEY bytes);
 * returns the bytes written.  population_run_count reads the count of the encoded run p .. end
 * and checks it against the bytes; population_run_decode then reads its n keys.  Both raise
 * ERRCODE_INTERNAL_ERROR (elog) on a truncated or malformed run.
 */
extern Size population_run_encode(const Key *keys, int64 n, char *out);
extern int64 population_run_count(const char *p, const char *end);
extern void population_run_decode(const char *p, const char *end, Key *keys, int64 n);

#endif
