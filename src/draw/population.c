/*
 * population.c: building a draw's sealed population (docs/draw-protocol.md section 1).
 *
 * sv._draw_population(uscc, stratum) is an aggregate: it collects (stratum, code) pairs and
 * returns the population bytes, lines "<code>,<stratum>\n" sorted by stratum, then code bytes.
 * Sorting 19-byte records with memcmp here is several times faster than string_agg(... ORDER
 * BY ...) over a million subjects, which sorts whole tuples through the executor.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "types/uscc.h"

#define REC_LEN (1 + USCC_LEN)	/* stratum byte, then the code: memcmp order is the protocol's */
#define LINE_LEN (USCC_LEN + 3)

typedef struct PopulationState
{
	char	   *recs;
	int64		n;
	int64		alloc;
} PopulationState;

static int
rec_cmp(const void *a, const void *b)
{
	return memcmp(a, b, REC_LEN);
}

PG_FUNCTION_INFO_V1(sv_draw_population_accum);
Datum
sv_draw_population_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	PopulationState *st;
	Uscc	   *code;
	text	   *stratum;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "sv._draw_population_accum called outside an aggregate");
	st = PG_ARGISNULL(0) ? NULL : (PopulationState *) PG_GETARG_POINTER(0);
	if (st == NULL)
	{
		st = MemoryContextAllocZero(aggcontext, sizeof(PopulationState));
		st->alloc = 1024;
		st->recs = MemoryContextAllocHuge(aggcontext, st->alloc * REC_LEN);
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a candidate needs a code and a stratum")));
	code = PG_GETARG_USCC_P(1);
	stratum = PG_GETARG_TEXT_PP(2);
	if (VARSIZE_ANY_EXHDR(stratum) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a stratum is one letter")));
	if (st->n == st->alloc)
	{
		st->alloc *= 2;
		st->recs = repalloc_huge(st->recs, st->alloc * REC_LEN);
	}
	st->recs[st->n * REC_LEN] = *VARDATA_ANY(stratum);
	memcpy(st->recs + st->n * REC_LEN + 1, code->code, USCC_LEN);
	st->n++;
	PG_RETURN_POINTER(st);
}

/*
 * Sorts the records by stratum, then code.  The candidates usually arrive in code order (the
 * seal reads the subjects along their primary key), so the records are first distributed to
 * their strata in arrival order (a stable counting sort on the stratum byte), and a stratum is
 * sorted only if its codes are not already in order.
 */
static void
sort_records(PopulationState *st, MemoryContext cxt)
{
	int64		count[256] = {0};
	int64		start[256];
	int64		pos = 0;
	char	   *sorted;

	for (int64 i = 0; i < st->n; i++)
		count[(unsigned char) st->recs[i * REC_LEN]]++;
	for (int b = 0; b < 256; b++)
	{
		start[b] = pos;
		pos += count[b];
	}
	sorted = MemoryContextAllocHuge(cxt, st->n * REC_LEN);
	{
		int64		next[256];

		memcpy(next, start, sizeof(next));
		for (int64 i = 0; i < st->n; i++)
		{
			const char *r = st->recs + i * REC_LEN;

			memcpy(sorted + next[(unsigned char) r[0]]++ * REC_LEN, r, REC_LEN);
		}
	}
	for (int b = 0; b < 256; b++)
	{
		char	   *first = sorted + start[b] * REC_LEN;
		bool		in_order = true;

		for (int64 i = 1; i < count[b] && in_order; i++)
			in_order = memcmp(first + (i - 1) * REC_LEN, first + i * REC_LEN, REC_LEN) <= 0;
		if (!in_order)
			qsort(first, count[b], REC_LEN, rec_cmp);
	}
	pfree(st->recs);
	st->recs = sorted;
}

static MemoryContext
aggcontext_of(FunctionCallInfo fcinfo)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "sv._draw_population_final called outside an aggregate");
	return cxt;
}

PG_FUNCTION_INFO_V1(sv_draw_population_final);
Datum
sv_draw_population_final(PG_FUNCTION_ARGS)
{
	PopulationState *st = PG_ARGISNULL(0) ? NULL : (PopulationState *) PG_GETARG_POINTER(0);
	int64		n = st ? st->n : 0;
	int64		size = n * LINE_LEN;
	bytea	   *result;
	char	   *out;
	int64		i;

	if ((Size) size + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a population of %lld candidates is too large for one plan", (long long) n)));
	if (n > 1)
		sort_records(st, aggcontext_of(fcinfo));
	result = (bytea *) palloc(VARHDRSZ + size);
	SET_VARSIZE(result, VARHDRSZ + size);
	out = VARDATA(result);
	for (i = 0; i < n; i++)
	{
		const char *r = st->recs + i * REC_LEN;

		memcpy(out, r + 1, USCC_LEN);
		out[USCC_LEN] = ',';
		out[USCC_LEN + 1] = r[0];
		out[USCC_LEN + 2] = '\n';
		out += LINE_LEN;
	}
	PG_RETURN_BYTEA_P(result);
}
