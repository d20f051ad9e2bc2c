/*
 * uscc.h: the unified social credit code (统一社会信用代码, GB 32100-2015).
 */
#ifndef SV_USCC_H
#define SV_USCC_H

#include "postgres.h"

#define USCC_LEN 18

/* Stored as its 18 canonical ASCII characters: fixed length, no header, byte order = text order */
typedef struct Uscc
{
	char		code[USCC_LEN];
} Uscc;

#define DatumGetUsccP(X)	((Uscc *) DatumGetPointer(X))
#define UsccPGetDatum(X)	PointerGetDatum(X)
#define PG_GETARG_USCC_P(n) DatumGetUsccP(PG_GETARG_DATUM(n))
#define PG_RETURN_USCC_P(x) return UsccPGetDatum(x)

#endif
