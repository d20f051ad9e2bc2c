/*
 * trigram.c: the text form pg_trgm compares for complaints, and pg_trgm's similarity computed
 * on stored trigram sets (74_complaint_duplicate.sql, docs/complaints.md, "Duplicates").
 *
 * A duplicate proposal scores up to a few hundred candidates per arrival.  Calling pg_trgm's
 * similarity(a, b) on the texts re-extracts the trigrams of both texts for every pair; instead
 * each item's trigram set is extracted once (at intake, by pg_trgm's show_trgm on the
 * character-pair form) and stored as sorted int4 codes in sv.complaint_sketch, and the score of
 * a pair is a merge of two sorted arrays.
 *
 * The codes are exact, not hashes: pg_trgm stores a trigram in 3 bytes (a multibyte trigram
 * compacted by pg_trgm itself) and show_trgm prints it either as those 3 bytes or, when they
 * are not printable ASCII, as "0x%06x" of the same 3 bytes read big-endian; the code is that
 * 24-bit value either way.  Two sets' intersection, and so the score, is therefore exactly
 * pg_trgm's: similarity = count / (len1 + len2 - count), in float4, 0 when a set is empty
 * (pg_trgm's cnt_sml with DIVUNION).  sql/complaint_duplicate.sql checks it against pg_trgm's
 * similarity() on every pair of the labelled sample.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "lib/qunique.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/*
 * pg_trgm's show_trgm(text), wherever pg_trgm was created (the DBA chooses its schema, and may
 * move it): found through pg_extension on first use and kept until pg_proc changes (an
 * invalidation of the function cache clears it, so ALTER EXTENSION pg_trgm SET SCHEMA is
 * followed).  Calling it through fmgr saves a dynamic query per text at intake.
 */
static Oid	show_trgm_oid = InvalidOid;
static bool show_trgm_callback = false;

static void
show_trgm_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	show_trgm_oid = InvalidOid;
}

static Oid
lookup_show_trgm(void)
{
	Oid			ext;
	Oid			nsp = InvalidOid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			argtypes[1] = {TEXTOID};

	if (OidIsValid(show_trgm_oid))
		return show_trgm_oid;
	ext = get_extension_oid("pg_trgm", true);
	if (!OidIsValid(ext))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("pg_trgm is not installed in this database"),
				 errhint("CREATE EXTENSION pg_trgm (sv_platform requires it).")));
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(nsp))
		elog(ERROR, "pg_trgm's schema not found");
	if (!show_trgm_callback)
	{
		CacheRegisterSyscacheCallback(PROCOID, show_trgm_invalidate, (Datum) 0);
		show_trgm_callback = true;
	}
	show_trgm_oid = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)), makeString("show_trgm")),
								   1, argtypes, false);
	return show_trgm_oid;
}

static Datum text_grams(text *body);

/*
 * sv.complaint_text_trigram_elements(body text) returns text[]
 *
 * pg_trgm's show_trgm of the text's character-pair form (sv.complaint_text_grams): the set
 * pg_trgm's similarity compares, as the MinHash sketch hashes it.
 */
PG_FUNCTION_INFO_V1(sv_complaint_text_trigram_elements);
Datum
sv_complaint_text_trigram_elements(PG_FUNCTION_ARGS)
{
	Oid			f = lookup_show_trgm();
	FmgrInfo   *fi = (FmgrInfo *) fcinfo->flinfo->fn_extra;

	if (fi == NULL || fi->fn_oid != f)
	{
		fi = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FmgrInfo));
		fmgr_info_cxt(f, fi, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = fi;
	}
	PG_RETURN_DATUM(FunctionCall1Coll(fi, PG_GET_COLLATION(), text_grams(PG_GETARG_TEXT_PP(0))));
}

/*
 * sv.complaint_text_grams(body text) returns text
 *
 * The text's overlapping pairs of characters joined by single spaces ("老张烧烤" -> "老张 张烧 烧烤");
 * a text of fewer than two characters is returned as it is.  Characters, not bytes: the
 * database encoding's character lengths (pg_mblen).
 */
PG_FUNCTION_INFO_V1(sv_complaint_text_grams);
Datum
sv_complaint_text_grams(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(text_grams(PG_GETARG_TEXT_PP(0)));
}

static Datum
text_grams(text *body)
{
	const char *s = VARDATA_ANY(body);
	int			len = VARSIZE_ANY_EXHDR(body);
	const char *end = s + len;
	int			first;
	text	   *result;
	char	   *out;

	if (len == 0)
		return PointerGetDatum(body);
	first = pg_mblen(s);
	if (first >= len)
		return PointerGetDatum(body);	/* one character */

	/* each character but the first and the last is written twice, plus a space per pair */
	result = (text *) palloc(VARHDRSZ + 3 * (Size) len);
	out = VARDATA(result);
	{
		const char *a = s;
		int			alen = first;

		while (a + alen < end)
		{
			const char *b = a + alen;
			int			blen = pg_mblen(b);

			if (b + blen > end)
				blen = end - b; /* a truncated last character is copied as it is */
			if (a != s)
				*out++ = ' ';
			memcpy(out, a, alen);
			out += alen;
			memcpy(out, b, blen);
			out += blen;
			a = b;
			alen = blen;
		}
	}
	SET_VARSIZE(result, out - (char *) result);
	return PointerGetDatum(result);
}

/* a lower-case hex digit's value (show_trgm prints %06x), -1 for anything else */
static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
int32_cmp(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/*
 * sv.complaint_trigram_codes(trigrams text[]) returns int4[]
 *
 * The 24-bit codes of show_trgm's elements, sorted and distinct (above).  An element that is
 * neither 3 bytes nor "0x" and 6 hex digits is not show_trgm's: refused (22023).
 */
PG_FUNCTION_INFO_V1(sv_complaint_trigram_codes);
Datum
sv_complaint_trigram_codes(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				m = 0;
	int32	   *codes;
	ArrayType  *result;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trigrams must be a one-dimensional text array")));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	codes = palloc(sizeof(int32) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		text	   *t;
		const unsigned char *p;
		int			len;
		uint32		v = 0;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		p = (const unsigned char *) VARDATA_ANY(t);
		len = VARSIZE_ANY_EXHDR(t);
		if (len == 3)
			v = ((uint32) p[0] << 16) | ((uint32) p[1] << 8) | p[2];
		else if (len == 8 && p[0] == '0' && p[1] == 'x')
		{
			for (int j = 2; j < 8; j++)
			{
				int			d = hex_value(p[j]);

				if (d < 0)
					goto bad;
				v = (v << 4) | d;
			}
		}
		else
			goto bad;
		codes[m++] = (int32) v;
		continue;
bad:
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trigrams: element %d is not a trigram as show_trgm prints it", i + 1)));
	}
	if (m > 1)
	{
		qsort(codes, m, sizeof(int32), int32_cmp);
		m = qunique(codes, m, sizeof(int32), int32_cmp);
	}
	if (m == 0)
		result = construct_empty_array(INT4OID);
	else
	{
		Datum	   *d = palloc(sizeof(Datum) * m);

		for (int i = 0; i < m; i++)
			d[i] = Int32GetDatum(codes[i]);
		result = construct_array(d, m, INT4OID, sizeof(int32), true, TYPALIGN_INT);
	}
	PG_RETURN_ARRAYTYPE_P(result);
}

/* the elements of a one-dimensional int4 array without nulls, strictly ascending */
static const int32 *
code_array(ArrayType *a, const char *name, int *n)
{
	const int32 *v;

	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional int4 array", name)));
	if (array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", name)));
	*n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	v = (const int32 *) ARR_DATA_PTR(a);
	/* a set, as sv.complaint_trigram_codes makes it: an unsorted array would count wrong */
	for (int i = 1; i < *n; i++)
		if (v[i - 1] >= v[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be sorted ascending without repeats (sv.complaint_trigram_codes)", name)));
	return v;
}

/*
 * sv.complaint_trigram_similarity(a int4[], b int4[]) returns real
 *
 * pg_trgm's similarity of two trigram sets given as codes: shared / (|a| + |b| - shared);
 * 0 when either is empty.
 */
PG_FUNCTION_INFO_V1(sv_complaint_trigram_similarity);
Datum
sv_complaint_trigram_similarity(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	int			na,
				nb,
				i = 0,
				j = 0,
				count = 0;
	const int32 *va = code_array(a, "a", &na);
	const int32 *vb = code_array(b, "b", &nb);

	if (na <= 0 || nb <= 0)
		PG_RETURN_FLOAT4(0.0f);
	while (i < na && j < nb)
	{
		if (va[i] < vb[j])
			i++;
		else if (va[i] > vb[j])
			j++;
		else
		{
			i++;
			j++;
			count++;
		}
	}
	PG_RETURN_FLOAT4(((float4) count) / ((float4) (na + nb - count)));
}
