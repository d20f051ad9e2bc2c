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

/* An int4[] argument as a C array (no NULLs, one dimension). */
static int32 *
int4_array(ArrayType *a, const char *name, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int32	   *out;
	int			i;

	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional integer array", name)));
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
	ChaChaStream stream;
	int32	   *idx = NULL;
	int32		idx_alloc = 0;
	int32	   *picks;
	int32		picks_alloc = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed, sizes and counts must not be null")));
	seed = PG_GETARG_BYTEA_PP(0);
	if (VARSIZE_ANY_EXHDR(seed) != CHACHA20_KEY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seed must be %d bytes, not %d", CHACHA20_KEY_BYTES, (int) VARSIZE_ANY_EXHDR(seed))));
	sizes = int4_array(PG_GETARG_ARRAYTYPE_P(1), "sizes", &nsizes);
	counts = int4_array(PG_GETARG_ARRAYTYPE_P(2), "counts", &ncounts);
	if (nsizes != ncounts)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sizes and counts must have the same length (%d and %d)", nsizes, ncounts)));
	for (s = 0; s < nsizes; s++)
		if (sizes[s] < 0 || counts[s] < 0 || counts[s] > sizes[s])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum %d: count %d must be between 0 and its size %d", s + 1, counts[s], sizes[s])));

	InitMaterializedSRF(fcinfo, 0);
	chacha_stream_init(&stream, (const uint8 *) VARDATA_ANY(seed));

	/* all strata first (the stream position is known only at the end), then the rows */
	{
		int64		total = 0;
		int64		done = 0;

		for (s = 0; s < nsizes; s++)
			total += counts[s];
		picks_alloc = (int32) Max(total, 1);
		picks = palloc(sizeof(int32) * picks_alloc);

		for (s = 0; s < nsizes; s++)
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
	}

	{
		int64		row = 0;

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
				values[3] = Int64GetDatum((int64) stream.words);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
		}
	}
	return (Datum) 0;
}
