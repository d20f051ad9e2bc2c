/*
 * shim.c: the backend calls of the product's pure functions, for the fuzz targets (shim.h).
 */
#include "postgres.h"

#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "shim.h"

sigjmp_buf *fuzz_error_jmp = NULL;
int			fuzz_error_sqlstate = 0;
char		fuzz_error_message[512];

static int	fuzz_error_level = 0;

/* ---- error reporting: ereport(ERROR) returns to FUZZ_TRY ---- */

bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;			/* notices and warnings are dropped */
	fuzz_error_level = elevel;
	fuzz_error_sqlstate = ERRCODE_INTERNAL_ERROR;	/* elog()'s default, as in the backend */
	fuzz_error_message[0] = '\0';
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (fuzz_error_level >= FATAL || fuzz_error_jmp == NULL)
	{
		fprintf(stderr, "fuzz: error outside FUZZ_TRY at %s:%d: %s\n", filename, lineno, fuzz_error_message);
		abort();
	}
	siglongjmp(*fuzz_error_jmp, 1);
}

int
errcode(int sqlerrcode)
{
	fuzz_error_sqlstate = sqlerrcode;
	return 0;
}

/* errmsg() and errmsg_internal() keep the message for the target */
#define KEEP_MESSAGE(name) \
int \
name(const char *fmt,...) \
{ \
	va_list		ap; \
\
	va_start(ap, fmt); \
	vsnprintf(fuzz_error_message, sizeof(fuzz_error_message), fmt, ap); \
	va_end(ap); \
	return 0; \
}

KEEP_MESSAGE(errmsg)
KEEP_MESSAGE(errmsg_internal)

int
errdetail(const char *fmt,...)
{
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	return 0;
}

int
errhint(const char *fmt,...)
{
	return 0;
}

/* ---- the database encoding: UTF8 ---- */

int
GetDatabaseEncoding(void)
{
	return PG_UTF8;
}

int
pg_mblen(const char *mbstr)
{
	return pg_encoding_mblen(PG_UTF8, mbstr);
}

/* as mbutils.c for a multibyte database encoding */
int
pg_mbstrlen_with_len(const char *mbstr, int limit)
{
	int			len = 0;

	while (limit > 0 && *mbstr)
	{
		int			l = pg_mblen(mbstr);

		limit -= l;
		mbstr += l;
		len++;
	}
	return len;
}

bool
fuzz_valid_text(const uint8_t *data, size_t len)
{
	return len < (size_t) INT_MAX &&
		pg_encoding_verifymbstr(PG_UTF8, (const char *) data, (int) len) == (int) len;
}

/* ---- interrupts: none ---- */

volatile sig_atomic_t InterruptPending = false;

void
ProcessInterrupts(void)
{
	InterruptPending = false;
}

/* ---- numutils.c ---- */

int
pg_lltoa(int64 value, char *a)
{
	return sprintf(a, "%lld", (long long) value);
}

int
pg_ulltoa_n(uint64 value, char *a)
{
	char		tmp[MAXINT8LEN + 1];
	int			n = sprintf(tmp, "%llu", (unsigned long long) value);

	memcpy(a, tmp, n);			/* no terminator, as numutils.c */
	return n;
}

int
pg_ltoa(int32 value, char *a)
{
	return sprintf(a, "%d", (int) value);
}
