/*
 * sample.c: the subject draw of the double-random inspection (双随机): per stratum, a uniform
 * sample without replacement of a fixed size, from the ChaCha20 stream of the draw's seed.
 *
 * The candidates of each stratum are numbered 0..N-1 in the sealed (canonical) order, so the
 * result depends on the seed and the sealed population only, never on how rows lie on disk.
 * The selection is a partial Fisher-Yates shuffle: for i = 0..k-1, j = i + below(N - i), swap.
 * docs/draw-protocol.md specifies it byte by byte; contrib-examples/verify_draw.py re-implements
 * it independently.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "draw/chacha20.h"
#include "draw/draw.h"

/* An int4[] argument as a C array (no NULLs, one dimension). */
int32 *
draw_int4_array(ArrayType *a, const char *name, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int32	   *out;
	int			i;

	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional integer array", name)));
	if (!ARR_HASNULL(a))
	{
		/* the common case read in place: a million regions need no Datum copies */
		*n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
		return (int32 *) ARR_DATA_PTR(a);
	}
	deconstruct_array(a, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(sizeof(int32) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s[%d] must not be null", name, i + 1)));
		out[i] = DatumGetInt32(elems[i]);
	}
	return out;
}

/*
 * The selection of docs/draw-protocol.md section 5: picks[] receives, stratum after stratum,
 * the candidate numbers (from 0) in the order drawn; returns the stream words read.
 */
static uint64
draw_picks(const uint8 *seed, const int32 *sizes, const int32 *counts, int nstrata, int32 *picks)
{
	ChaChaStream stream;
	int32	   *idx = NULL;
	int32		idx_alloc = 0;
	int64		done = 0;
	int			s;

	chacha_stream_init(&stream, seed);
	for (s = 0; s < nstrata; s++)
	{
		int32		n = sizes[s];
		int32		k = counts[s];
		int32		i;

		if (k == 0)
			continue;
		if (n > idx_alloc)
		{
			if (idx)
				pfree(idx);
			idx_alloc = n;
			idx = palloc(sizeof(int32) * idx_alloc);
		}
		for (i = 0; i < n; i++)
			idx[i] = i;
		for (i = 0; i < k; i++)
		{
			int32		j = i + (int32) chacha_stream_below(&stream, (uint32) (n - i));
			int32		t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
			picks[done++] = idx[i];
			CHECK_FOR_INTERRUPTS();
		}
	}
	if (idx)
		pfree(idx);
	return stream.words;
}

/* Checks the arguments common to both entry points; returns the number of picks. */
static int64
check_strata(bytea *seed, int32 *sizes, int nsizes, int32 *counts, int ncounts)
{
	int64		total = 0;
	int			s;

	if (VARSIZE_ANY_EXHDR(seed) != CHACHA20_KEY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seed must be %d bytes, not %d", CHACHA20_KEY_BYTES, (int) VARSIZE_ANY_EXHDR(seed))));
	if (nsizes != ncounts)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sizes and counts must have the same length (%d and %d)", nsizes, ncounts)));
	for (s = 0; s < nsizes; s++)
	{
		if (sizes[s] < 0 || counts[s] < 0 || counts[s] > sizes[s])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum %d: count %d must be between 0 and its size %d", s + 1, counts[s], sizes[s])));
		total += counts[s];
	}
	return total;
}

/*
 * sv._draw_sample(seed bytea, sizes int[], counts int[])
 *   returns table (stratum int, pick int, candidate int, stream_words bigint)
 *
 * For stratum s (1-based, in array order) of sizes[s] candidates, counts[s] picks: rows
 * (s, 1..counts[s], candidate number 1..sizes[s]) in the order drawn.  stream_words is the
 * number of 32-bit words read from the stream by the whole call (the same on every row), where
 * the next stage of the draw continues.
 */
PG_FUNCTION_INFO_V1(sv_draw_sample);
Datum
sv_draw_sample(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *seed;
	int32	   *sizes;
	int32	   *counts;
	int			nsizes,
				ncounts,
				s;
	int64		total,
				row = 0;
	int32	   *picks;
	uint64		words;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed, sizes and counts must not be null")));
	seed = PG_GETARG_BYTEA_PP(0);
	sizes = draw_int4_array(PG_GETARG_ARRAYTYPE_P(1), "sizes", &nsizes);
	counts = draw_int4_array(PG_GETARG_ARRAYTYPE_P(2), "counts", &ncounts);
	total = check_strata(seed, sizes, nsizes, counts, ncounts);
	picks = palloc(sizeof(int32) * Max(total, 1));
	words = draw_picks((const uint8 *) VARDATA_ANY(seed), sizes, counts, nsizes, picks);

	InitMaterializedSRF(fcinfo, 0);
	for (s = 0; s < nsizes; s++)
	{
		int32		i;

		for (i = 0; i < counts[s]; i++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};

			values[0] = Int32GetDatum(s + 1);
			values[1] = Int32GetDatum(i + 1);
			values[2] = Int32GetDatum(picks[row++] + 1);
			values[3] = Int64GetDatum((int64) words);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/*
 * sv._draw_pick(seed bytea, population bytea, regions int[], sizes int[], counts int[])
 *   returns table (stratum text, position int, uscc text, region int, stream_words bigint)
 *
 * The same selection, answered with the codes read from the sealed population (lines of SV_POPULATION_LINE_LEN bytes,
 * strata A, B, C, D, U contiguous) and the regions sealed with it (one per line): both are read
 * once here, however large, instead of once per drawn subject.
 */
PG_FUNCTION_INFO_V1(sv_draw_pick);
Datum
sv_draw_pick(PG_FUNCTION_ARGS)
{
	static const char stratum_names[] = "ABCDU";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *seed;
	bytea	   *population;
	const char *lines;
	int64		nlines;
	int32	   *regions;
	int32	   *sizes;
	int32	   *counts;
	int			nregions,
				nsizes,
				ncounts,
				s;
	int64		total,
				row = 0,
				offset = 0;
	int32	   *picks;
	uint64		words;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed, population, regions, sizes and counts must not be null")));
	seed = PG_GETARG_BYTEA_PP(0);
	population = PG_GETARG_BYTEA_PP(1);
	regions = draw_int4_array(PG_GETARG_ARRAYTYPE_P(2), "regions", &nregions);
	sizes = draw_int4_array(PG_GETARG_ARRAYTYPE_P(3), "sizes", &nsizes);
	counts = draw_int4_array(PG_GETARG_ARRAYTYPE_P(4), "counts", &ncounts);
	total = check_strata(seed, sizes, nsizes, counts, ncounts);
	if (nsizes != 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sizes must have the five strata A, B, C, D, U")));
	lines = VARDATA_ANY(population);
	nlines = VARSIZE_ANY_EXHDR(population) / SV_POPULATION_LINE_LEN;
	{
		int64		sum = 0;

		for (s = 0; s < nsizes; s++)
			sum += sizes[s];
		if (sum != nlines || VARSIZE_ANY_EXHDR(population) % SV_POPULATION_LINE_LEN != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("the population holds %lld lines of %d bytes, the stratum sizes add up to %lld",
							(long long) nlines, SV_POPULATION_LINE_LEN, (long long) sum)));
		if (nregions != nlines)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("the population holds %lld lines but %d regions", (long long) nlines, nregions)));
	}
	picks = palloc(sizeof(int32) * Max(total, 1));
	words = draw_picks((const uint8 *) VARDATA_ANY(seed), sizes, counts, nsizes, picks);

	InitMaterializedSRF(fcinfo, 0);
	for (s = 0; s < nsizes; s++)
	{
		int32		i;
		char		stratum[2] = {stratum_names[s], '\0'};

		for (i = 0; i < counts[s]; i++)
		{
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};
			int64		number = offset + picks[row++];
			const char *line = lines + number * SV_POPULATION_LINE_LEN;

			if (line[SV_POPULATION_LINE_SEP] != ',' || line[SV_POPULATION_LINE_STRATUM] != stratum_names[s] ||
				line[SV_POPULATION_LINE_END] != '\n')
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("population line %lld is not a line of stratum %c",
								(long long) (line - lines) / SV_POPULATION_LINE_LEN + 1, stratum_names[s])));

			values[0] = CStringGetTextDatum(stratum);
			values[1] = Int32GetDatum(i + 1);
			values[2] = PointerGetDatum(cstring_to_text_with_len(line, USCC_LEN));
			values[3] = Int32GetDatum(regions[number]);
			values[4] = Int64GetDatum((int64) words);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		offset += sizes[s];
	}
	return (Datum) 0;
}
