/*
 * draw.h: helpers shared by the draw's C functions.
 */
#ifndef SV_DRAW_H
#define SV_DRAW_H

#include "postgres.h"

#include "utils/array.h"

/*
 * An int4[] argument as a C array (no NULLs, one dimension); errors name the argument.  Read
 * only: without NULLs it points into the array itself.
 */
extern int32 *draw_int4_array(ArrayType *a, const char *name, int *n);

#endif
