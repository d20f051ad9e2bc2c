/*
 * minhash.c: MinHash sketches of complaint texts and their locality-sensitive band keys, the
 * candidate generation of the duplicate search (74_complaint_duplicate.sql,
 * docs/complaints.md, "Duplicates").
 *
 * The set hashed is the one pg_trgm's similarity counts: the trigrams of the text in the form
 * sv.complaint_text_grams gives it, as pg_trgm's show_trgm lists them (the caller passes that
 * array: the normalisation is defined once, by sv.complaint_text_grams and pg_trgm).  For two
 * sets of Jaccard similarity J (which is what pg_trgm's similarity() computes on them), each
 * MinHash value agrees with probability J; a band of R values agrees with probability J^R, and
 * of B bands at least one agrees with probability 1 - (1 - J^R)^B.  The exact similarity is then
 * computed on the candidates only: the sketch never decides a score.
 *
 * Hashes are PostgreSQL's (hash_bytes_extended, hash_bytes_uint32_extended) with fixed seeds:
 * the values are stored, so they must not change between versions or platforms.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#define SV_MINHASH_MAX_K		1024
#define SV_MINHASH_MAX_ROWS		16
#define SV_BAND_SEED			UINT64CONST(0x73765f62616e6473)	/* "sv_bands" */

/* the int8 elements of a one-dimensional array without nulls */
static int64 *
int8_array(ArrayType *a, const char *name, int *n)
{
	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional int8 array", name)));
	if (array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", name)));
	*n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	return (int64 *) ARR_DATA_PTR(a);
}

/*
 * sv.complaint_minhash(elements text[], k integer) returns int8[]
 *
 * The k MinHash values of the set of elements (duplicates and nulls ignored): value i
 * (1-based) is the minimum over the elements e of hash_bytes_uint32_extended(h(e), i), where
 * h(e) is the 32-bit fold of hash_bytes_extended(e, 0).  An empty set gives NULL (no sketch:
 * such a text is similar to nothing).  k: 1-1024.
 */
PG_FUNCTION_INFO_V1(sv_complaint_minhash);
Datum
sv_complaint_minhash(PG_FUNCTION_ARGS)
{
	ArrayType  *elements = PG_GETARG_ARRAYTYPE_P(0);
	int32		k = PG_GETARG_INT32(1);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i,
				j,
				used = 0;
	uint64	   *mins;
	Datum	   *out;

	if (k < 1 || k > SV_MINHASH_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be 1-%d, not %d", SV_MINHASH_MAX_K, k)));
	if (ARR_NDIM(elements) > 1 || ARR_ELEMTYPE(elements) != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("elements must be a one-dimensional text array")));
	deconstruct_array(elements, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);

	mins = palloc(sizeof(uint64) * k);
	for (j = 0; j < k; j++)
		mins[j] = PG_UINT64_MAX;
	for (i = 0; i < n; i++)
	{
		text	   *t;
		uint64		h;
		uint32		e;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		h = hash_bytes_extended((const unsigned char *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), 0);
		e = (uint32) (h ^ (h >> 32));
		for (j = 0; j < k; j++)
		{
			uint64		v = hash_bytes_uint32_extended(e, (uint64) (j + 1));

			if (v < mins[j])
				mins[j] = v;
		}
		used++;
	}
	if (used == 0)
		PG_RETURN_NULL();

	out = palloc(sizeof(Datum) * k);
	for (j = 0; j < k; j++)
		out[j] = Int64GetDatum((int64) mins[j]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, k, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * sv.complaint_band_keys(minhash int8[], family integer, bands integer, band_rows integer,
 *                        salt int8) returns int8[]
 *
 * The band keys of a sketch: band b (1-based) is hash_bytes_extended over (family, salt, b, and
 * the values (b-1)*band_rows+1 .. b*band_rows) with a fixed seed.  The family, the salt (the
 * caller's partition, such as a period of receipt) and the band number are hashed in, so a key
 * is equal only for the same band of the same family and partition.  bands x band_rows must
 * not exceed the sketch's length; band_rows 1-16.
 */
PG_FUNCTION_INFO_V1(sv_complaint_band_keys);
Datum
sv_complaint_band_keys(PG_FUNCTION_ARGS)
{
	ArrayType  *sketch = PG_GETARG_ARRAYTYPE_P(0);
	int32		family = PG_GETARG_INT32(1);
	int32		bands = PG_GETARG_INT32(2);
	int32		rows = PG_GETARG_INT32(3);
	int64		salt = PG_GETARG_INT64(4);
	int			n,
				b,
				r;
	int64	   *v = int8_array(sketch, "minhash", &n);
	Datum	   *out;

	if (rows < 1 || rows > SV_MINHASH_MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("band_rows must be 1-%d, not %d", SV_MINHASH_MAX_ROWS, rows)));
	if (bands < 1 || (int64) bands * rows > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bands x band_rows (%d x %d) must be 1-%d, the length of the sketch", bands, rows, n)));

	out = palloc(sizeof(Datum) * bands);
	for (b = 0; b < bands; b++)
	{
		int64		buf[3 + SV_MINHASH_MAX_ROWS];

		buf[0] = family;
		buf[1] = salt;
		buf[2] = b + 1;
		for (r = 0; r < rows; r++)
			buf[3 + r] = v[b * rows + r];
		out[b] = Int64GetDatum((int64) hash_bytes_extended((const unsigned char *) buf,
														   sizeof(int64) * (3 + rows), SV_BAND_SEED));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(out, bands, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * sv.complaint_band_overlap(bands int8[], probe int8[]) returns integer
 *
 * How many keys of bands are in probe, which must be sorted ascending (checked): the number of
 * bands a stored sketch shares with the keys a search probes, which ranks the candidates before
 * the exact score.  Binary search: O(|bands| log |probe|).
 */
PG_FUNCTION_INFO_V1(sv_complaint_band_overlap);
Datum
sv_complaint_band_overlap(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	int			na,
				nb,
				i,
				same = 0;
	int64	   *va = int8_array(a, "bands", &na);
	int64	   *vb = int8_array(b, "probe", &nb);

	for (i = 1; i < nb; i++)
		if (vb[i - 1] > vb[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("probe must be sorted ascending")));
	for (i = 0; i < na; i++)
	{
		int			lo = 0,
					hi = nb;

		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (vb[mid] < va[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nb && vb[lo] == va[i])
			same++;
	}
	PG_RETURN_INT32(same);
}
