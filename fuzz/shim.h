/*
 * shim.h: what the fuzz targets need of a backend that is not there (shim.c).
 *
 * The product's pure parsing and encoding functions are compiled as they are, against the
 * server headers, and linked with this shim and PostgreSQL's libpgcommon/libpgport:
 *   - ereport()/elog() at ERROR and above: errfinish() jumps back to the target's
 *     FUZZ_TRY with the SQLSTATE and message kept (no error is ever an abort);
 *   - the database encoding is UTF8 (the project's), with the backend's pg_mblen() and
 *     pg_mbstrlen_with_len();
 *   - CHECK_FOR_INTERRUPTS() never finds one pending;
 *   - pg_ltoa(), pg_lltoa(), pg_ulltoa_n() of numutils.c (same output: decimal, '-' for
 *     negatives, pg_ulltoa_n without a terminator).
 */
#ifndef SV_FUZZ_SHIM_H
#define SV_FUZZ_SHIM_H

#include "postgres.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

extern sigjmp_buf *fuzz_error_jmp;
extern int	fuzz_error_sqlstate;	/* MAKE_SQLSTATE value of the last error */
extern char fuzz_error_message[512];

/*
 * FUZZ_TRY(stmt) runs stmt and evaluates to true, or to false when stmt raised an error
 * (ereport(ERROR)); fuzz_error_sqlstate and fuzz_error_message then describe it.
 */
#define FUZZ_TRY(stmt) \
	({ \
		sigjmp_buf	fuzz_jb_; \
		sigjmp_buf *fuzz_saved_ = fuzz_error_jmp; \
		bool		fuzz_ok_; \
		if (sigsetjmp(fuzz_jb_, 0) == 0) \
		{ \
			fuzz_error_jmp = &fuzz_jb_; \
			stmt; \
			fuzz_ok_ = true; \
		} \
		else \
			fuzz_ok_ = false; \
		fuzz_error_jmp = fuzz_saved_; \
		fuzz_ok_; \
	})

/* a property that must hold: print and abort (libFuzzer saves the input) */
#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz: property violated at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			fprintf(stderr, "fuzz: " __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* Is data[0..len) valid UTF-8 without NUL, i.e. text the server could pass to a function? */
extern bool fuzz_valid_text(const uint8_t *data, size_t len);

#endif
