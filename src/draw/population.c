/*
 * population.c: building a draw's sealed population (docs/draw-protocol.md section 1).
 *
 * sv._draw_population(uscc, class, region) is an aggregate over three kinds of rows: the
 * subjects in scope (uscc, NULL, region), the stored credit classes (uscc, class, NULL) and the
 * subjects to leave out (uscc, 'X', NULL: the annual cap).  It joins them itself, at a fraction
 * of the cost of the executor's hash or merge join of a million subjects with a million
 * classes: every row becomes a 128-bit key that orders by code, a code's class and exclusion
 * before its subject; one pass over the keys in order gives each subject its stratum (its
 * class, or U) unless it is left out, and writes the population (lines "<code>,<stratum>\n" by
 * stratum, then code bytes), its SHA-256, each candidate's region in the same order, and the
 * stratum sizes.
 *
 * It is parallel: each process radix-sorts its share (the serial function runs in the worker),
 * the leader merges the sorted runs as it reads them.
 *
 * The megabytes it builds do not travel through the query's result (a tuple, a function's
 * tuplestore, the seal's variables: a copy each): the final function keeps them for the rest
 * of the transaction and returns a handle, and sv._draw_population_store(plan_id, handle)
 * inserts them into sv.draw_population straight from there.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "draw/draw.h"
#include "draw/population.h"
#include "types/uscc.h"

#define EXCLUDED 'X'			/* the value of an exclusion row: the subject is left out */

static const char uscc_symbols[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* A sorted (or, before sorting, collected) run of keys. */
typedef struct Run
{
	Key		   *keys;
	int64		n;
} Run;

/*
 * The state: while collecting, one run that grows; after combining, the workers' sorted runs
 * side by side (merged only when read, in the final function).
 */
typedef struct PopulationState
{
	Run		   *runs;
	int			nruns;
	int			maxruns;
	int64		alloc;			/* of runs[0], while collecting */
	bool		sorted;			/* every run sorted */
} PopulationState;

static int8 symbol_value[256];

static Key
key_of(const char *code, bool subject, int32 value)
{
	Key			k = 0;

	for (int i = 0; i < USCC_LEN; i++)
	{
		int			v = symbol_value[(unsigned char) code[i]];

		if (v < 0)				/* the type checks its symbols: a corrupt value */
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("a code holds the character \"%c\", not a GB 32100 symbol", code[i])));
		k = (k << 5) | (Key) v;
	}
	k <<= KEY_CODE_SHIFT;
	if (subject)
		k |= KEY_KIND_BIT;
	return k | (Key) (uint32) value;
}

/* two symbols for each 10-bit value: the code decodes two characters a lookup */
static char symbol_pairs[1024][2];

static void
init_symbol_tables(void)
{
	if (symbol_value['1'] == 1)
		return;
	memset(symbol_value, -1, sizeof(symbol_value));
	for (int i = 0; uscc_symbols[i]; i++)
		symbol_value[(unsigned char) uscc_symbols[i]] = (int8) i;
	for (int v = 0; v < 1024; v++)
	{
		symbol_pairs[v][0] = uscc_symbols[Min(v >> 5, 30)];
		symbol_pairs[v][1] = uscc_symbols[Min(v & 31, 30)];
	}
}

static void
code_of(Key k, char *code)
{
	Key			c = KEY_CODE(k);

	/* three 30-bit groups of six characters, the last group first */
	for (int g = 2; g >= 0; g--)
	{
		uint32		bits = (uint32) (c & 0x3FFFFFFF);

		for (int i = 2; i >= 0; i--)
		{
			memcpy(code + g * 6 + i * 2, symbol_pairs[bits & 1023], 2);
			bits >>= 10;
		}
		c >>= 30;
	}
}

/*
 * LSD radix sort on the key bits from the kind bit up (code and kind: the value bits below need
 * no order), in 11-bit digits, and only over the bits that are not the same in every
 * key: the codes of one city share their leading characters.  One pass finds those bits, one
 * counts every digit's histogram, then one scatter pass per digit.  Stable.
 */
#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)

static void
radix_sort(Key *keys, int64 n)
{
	Key			all_and = ~(Key) 0,
				all_or = 0,
				varying;
	int			lo = 37,
				hi = 127,
				ndigits;
	int64	   (*count)[RADIX_SIZE];
	Key		   *from = keys,
			   *to;

	if (n < 2)
		return;
	for (int64 i = 0; i < n; i++)
	{
		SV_DRAW_CHECK_INTERRUPTS(i);
		all_and &= keys[i];
		all_or |= keys[i];
	}
	varying = (all_and ^ all_or) >> lo;
	if (varying == 0)
		return;					/* all alike */
	while (((varying >> (hi - lo)) & 1) == 0)
		hi--;
	while ((varying & 1) == 0)
	{
		varying >>= 1;
		lo++;
	}
	ndigits = (hi - lo) / RADIX_BITS + 1;
	count = palloc0(sizeof(int64[RADIX_SIZE]) * ndigits);
	for (int64 i = 0; i < n; i++)
	{
		Key			k = keys[i] >> lo;

		SV_DRAW_CHECK_INTERRUPTS(i);
		for (int d = 0; d < ndigits; d++)
			count[d][(uint32) (k >> (d * RADIX_BITS)) & (RADIX_SIZE - 1)]++;
	}
	to = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Key) * n);
	for (int d = 0; d < ndigits; d++)
	{
		int			shift = lo + d * RADIX_BITS;
		int64		pos = 0;
		Key		   *swap;

		CHECK_FOR_INTERRUPTS();
		for (int v = 0; v < RADIX_SIZE; v++)
		{
			int64		c = count[d][v];

			count[d][v] = pos;
			pos += c;
		}
		for (int64 i = 0; i < n; i++)
		{
			SV_DRAW_CHECK_INTERRUPTS(i);
			to[count[d][(uint32) (from[i] >> shift) & (RADIX_SIZE - 1)]++] = from[i];
		}
		swap = from;
		from = to;
		to = swap;
	}
	if (from != keys)
	{
		memcpy(keys, from, sizeof(Key) * n);
		pfree(from);
	}
	else
		pfree(to);
	pfree(count);
}

static MemoryContext
aggcontext_of(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		elog(ERROR, "%s called outside an aggregate", fn);
	return cxt;
}

static void
state_sort(PopulationState *st)
{
	if (st->sorted)
		return;
	for (int r = 0; r < st->nruns; r++)
		radix_sort(st->runs[r].keys, st->runs[r].n);
	st->sorted = true;
}

/* a region code "410422" as the number 410422 (region codes are six digits) */
static int32
region_number(text *region)
{
	const char *p = VARDATA_ANY(region);
	int			len = VARSIZE_ANY_EXHDR(region);
	int32		v = 0;

	if (len < 1 || len > 9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a candidate's region must be a code of digits")));
	for (int i = 0; i < len; i++)
	{
		if (p[i] < '0' || p[i] > '9')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a candidate's region must be a code of digits")));
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

PG_FUNCTION_INFO_V1(sv_draw_population_accum);
Datum
sv_draw_population_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggcontext_of(fcinfo, "sv._draw_population_accum");
	PopulationState *st = PG_ARGISNULL(0) ? NULL : (PopulationState *) PG_GETARG_POINTER(0);
	Uscc	   *code;
	Run		   *run;

	if (st == NULL)
	{
		init_symbol_tables();
		st = MemoryContextAllocZero(aggcontext, sizeof(PopulationState));
		st->runs = MemoryContextAllocZero(aggcontext, sizeof(Run) * 4);
		st->maxruns = 4;
		st->alloc = 65536;
		st->runs[0].keys = MemoryContextAllocHuge(aggcontext, sizeof(Key) * st->alloc);
		st->nruns = 1;
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) == PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a row is a subject (code, NULL, region), a stored class (code, class, NULL) or an exclusion (code, 'X', NULL)")));
	code = PG_GETARG_USCC_P(1);
	run = &st->runs[0];
	if (run->n == st->alloc)
	{
		st->alloc *= 2;
		run->keys = repalloc_huge(run->keys, sizeof(Key) * st->alloc);
	}
	if (!PG_ARGISNULL(2))
	{
		text	   *class = PG_GETARG_TEXT_PP(2);
		char		letter = VARSIZE_ANY_EXHDR(class) == 1 ? *VARDATA_ANY(class) : '?';

		if ((letter < 'A' || letter > 'D') && letter != EXCLUDED)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a stored credit class is one of A, B, C, D (or X: the subject is left out)")));
		run->keys[run->n++] = key_of(code->code, false, letter);
	}
	else
		run->keys[run->n++] = key_of(code->code, true, region_number(PG_GETARG_TEXT_PP(3)));
	st->sorted = false;
	PG_RETURN_POINTER(st);
}


/* In the worker: its share sorted and encoded (worker and leader run the same build). */
PG_FUNCTION_INFO_V1(sv_draw_population_serialize);
Datum
sv_draw_population_serialize(PG_FUNCTION_ARGS)
{
	PopulationState *st = (PopulationState *) PG_GETARG_POINTER(0);
	int64		n = st->runs[0].n;
	Size		max_size = sizeof(int64) + n * MAX_ENCODED_KEY;
	bytea	   *out;

	(void) aggcontext_of(fcinfo, "sv._draw_population_serialize");
	if (st->nruns != 1)
		elog(ERROR, "sv._draw_population_serialize: a combined state is not serialized");
	if (max_size + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many candidates for one plan")));
	state_sort(st);
	out = palloc(VARHDRSZ + max_size);
	SET_VARSIZE(out, VARHDRSZ + population_run_encode(st->runs[0].keys, n, VARDATA(out)));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(sv_draw_population_deserialize);
Datum
sv_draw_population_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = aggcontext_of(fcinfo, "sv._draw_population_deserialize");
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	const char *end = p + VARSIZE_ANY_EXHDR(in);
	PopulationState *st;
	int64		n;

	n = population_run_count(p, end);
	st = MemoryContextAllocZero(aggcontext, sizeof(PopulationState));
	st->runs = MemoryContextAllocZero(aggcontext, sizeof(Run) * 4);
	st->maxruns = 4;
	st->runs[0].n = n;
	st->runs[0].keys = MemoryContextAllocHuge(aggcontext, sizeof(Key) * Max(n, 1));
	population_run_decode(p, end, st->runs[0].keys, n);
	st->nruns = 1;
	st->alloc = n;
	st->sorted = true;			/* sorted by the serial function */
	PG_RETURN_POINTER(st);
}

/* the leader: the runs are kept side by side, merged when the final function reads them */
PG_FUNCTION_INFO_V1(sv_draw_population_combine);
Datum
sv_draw_population_combine(PG_FUNCTION_ARGS)
{
	PopulationState *a = PG_ARGISNULL(0) ? NULL : (PopulationState *) PG_GETARG_POINTER(0);
	PopulationState *b = PG_ARGISNULL(1) ? NULL : (PopulationState *) PG_GETARG_POINTER(1);

	(void) aggcontext_of(fcinfo, "sv._draw_population_combine");
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		PG_RETURN_POINTER(b);	/* deserialized in the aggregate's context */
	if (a->nruns + b->nruns > a->maxruns)
	{
		a->maxruns = (a->nruns + b->nruns) * 2;
		a->runs = repalloc(a->runs, sizeof(Run) * a->maxruns);
	}
	memcpy(&a->runs[a->nruns], b->runs, sizeof(Run) * b->nruns);
	a->nruns += b->nruns;
	a->sorted = a->sorted && b->sorted;
	PG_RETURN_POINTER(a);
}

/* an int4[] of n elements without NULLs, filled by the caller */
static ArrayType *
int4_array_of(int64 n, int32 **data)
{
	Size		size = ARR_OVERHEAD_NONULLS(1) + n * sizeof(int32);
	ArrayType  *a;

	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many candidates for one plan")));
	if (n == 0)
	{
		*data = NULL;
		return construct_empty_array(INT4OID);	/* the canonical empty array (no dimension) */
	}
	a = palloc0(size);
	SET_VARSIZE(a, size);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = INT4OID;
	ARR_DIMS(a)[0] = (int) n;
	ARR_LBOUND(a)[0] = 1;
	*data = (int32 *) ARR_DATA_PTR(a);
	return a;
}

/* SHA-256 of the population, while its bytes are still in cache */
static bytea *
sha256_of(const char *data, Size len)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	bytea	   *out = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, (uint8 *) VARDATA(out), PG_SHA256_DIGEST_LENGTH) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", ctx ? pg_cryptohash_error(ctx) : "out of memory")));
	pg_cryptohash_free(ctx);
	SET_VARSIZE(out, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	return out;
}

static void
listed_twice(Key k, const char *what)
{
	char		code[USCC_LEN + 1];

	code_of(k, code);
	code[USCC_LEN] = '\0';
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("%s %s is listed twice", what, code)));
}

/*
 * Built populations awaiting sv._draw_population_store, in TopTransactionContext: gone with
 * the transaction whether stored or not.
 */
typedef struct BuiltPopulation
{
	int64		handle;
	bytea	   *population;
	ArrayType  *regions;
	struct BuiltPopulation *next;
} BuiltPopulation;

static BuiltPopulation *built_list = NULL;
static int64 built_next_handle = 0;
static bool built_callback_registered = false;

static void
built_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		built_list = NULL;		/* its memory goes with TopTransactionContext */
}

PG_FUNCTION_INFO_V1(sv_draw_population_store);
Datum
sv_draw_population_store(PG_FUNCTION_ARGS)
{
	BuiltPopulation **link = &built_list;
	BuiltPopulation *b;
	Oid			argtypes[3] = {INT8OID, BYTEAOID, INT4ARRAYOID};
	Datum		values[3];
	int			rc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("plan_id and handle must not be null")));
	while (*link && (*link)->handle != PG_GETARG_INT64(1))
		link = &(*link)->next;
	if (*link == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no population with handle %lld was built in this transaction",
						(long long) PG_GETARG_INT64(1))));
	b = *link;
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PointerGetDatum(b->population);
	values[2] = PointerGetDatum(b->regions);
	SPI_connect();
	rc = SPI_execute_with_args("INSERT INTO sv.draw_population (plan_id, population, regions) VALUES ($1, $2, $3)",
							   3, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "sv._draw_population_store: INSERT failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	*link = b->next;
	pfree(b->population);
	pfree(b->regions);
	pfree(b);
	PG_RETURN_VOID();
}

/*
 * The result, a sv._draw_population_built: the handle of the population bytes and the regions
 * in population order (kept for sv._draw_population_store), the bytes' SHA-256, and the
 * candidates per stratum A, B, C, D, U.  Classes of subjects out of scope are passed over.
 */
PG_FUNCTION_INFO_V1(sv_draw_population_final);
Datum
sv_draw_population_final(PG_FUNCTION_ARGS)
{
	static const char strata[] = "ABCDU";
	PopulationState *st = PG_ARGISNULL(0) ? NULL : (PopulationState *) PG_GETARG_POINTER(0);
	int64		total = 0;
	int64		nsubjects = 0;
	int64	   *head = NULL;
	int64		next[5];
	int32		sizes[5] = {0, 0, 0, 0, 0};
	Datum		size_datums[5];
	Key		   *subjects;		/* in code order */
	uint8	   *stratum_of;
	Key			prev = 0;
	bool		have_prev = false;
	int32		cur_class = 0;
	bool		cur_excluded = false;
	bool		cur_subject = false;
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	MemoryContext oldcxt;
	BuiltPopulation *built;
	bytea	   *population;
	ArrayType  *regions;
	int32	   *region_out;
	char	   *lines;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sv._draw_population_final must return a composite type");
	if (IsParallelWorker())		/* its handle would mean nothing to the leader */
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a population is not built to the end in a parallel worker")));
	init_symbol_tables();		/* (a leader that read no rows has not) */
	if (st)
	{
		state_sort(st);
		head = palloc(sizeof(int64) * st->nruns);
		for (int r = 0; r < st->nruns; r++)
		{
			head[r] = 0;
			total += st->runs[r].n;
		}
	}
	subjects = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Key) * Max(total, 1));
	stratum_of = MemoryContextAllocHuge(CurrentMemoryContext, Max(total, 1));

	/*
	 * The runs merged in key order.  The rows of one code come together, its class and its
	 * exclusion mark (kind 0, by value: A..D before X) before its subject: the subject takes
	 * the class, or U, unless marked excluded.
	 */
	for (int64 i = 0; i < total; i++)
	{
		int			best = -1;
		Key			k;

		SV_DRAW_CHECK_INTERRUPTS(i);
		for (int r = 0; r < st->nruns; r++)
			if (head[r] < st->runs[r].n &&
				(best < 0 || st->runs[r].keys[head[r]] < st->runs[best].keys[head[best]]))
				best = r;
		k = st->runs[best].keys[head[best]++];
		if (!have_prev || KEY_CODE(prev) != KEY_CODE(k))
		{
			cur_class = 0;
			cur_excluded = false;
			cur_subject = false;
		}
		if (k & KEY_KIND_BIT)
		{
			if (cur_subject)
				listed_twice(k, "subject");
			cur_subject = true;
			if (!cur_excluded)
			{
				int			s = cur_class ? cur_class - 'A' : 4;	/* U: no stored class */

				subjects[nsubjects] = k;
				stratum_of[nsubjects++] = (uint8) s;
				sizes[s]++;
			}
		}
		else if (KEY_VALUE(k) == EXCLUDED)
		{
			if (cur_excluded)
				listed_twice(k, "the exclusion of");
			cur_excluded = true;
		}
		else
		{
			if (cur_class)
				listed_twice(k, "the class of");
			cur_class = KEY_VALUE(k);
		}
		prev = k;
		have_prev = true;
	}
	if ((Size) nsubjects * SV_POPULATION_LINE_LEN + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a population of %lld candidates is too large for one plan", (long long) nsubjects)));

	/* distributed to their strata; codes stay in order within each */
	next[0] = 0;
	for (int s = 1; s < 5; s++)
		next[s] = next[s - 1] + sizes[s - 1];
	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	built = palloc(sizeof(BuiltPopulation));
	population = (bytea *) palloc(VARHDRSZ + nsubjects * SV_POPULATION_LINE_LEN);
	regions = int4_array_of(nsubjects, &region_out);
	MemoryContextSwitchTo(oldcxt);
	SET_VARSIZE(population, VARHDRSZ + nsubjects * SV_POPULATION_LINE_LEN);
	lines = VARDATA(population);
	for (int64 i = 0; i < nsubjects; i++)
	{
		int			s = stratum_of[i];
		int64		k = next[s]++;
		char	   *line = lines + k * SV_POPULATION_LINE_LEN;

		SV_DRAW_CHECK_INTERRUPTS(i);
		code_of(subjects[i], line);
		line[SV_POPULATION_LINE_SEP] = ',';
		line[SV_POPULATION_LINE_STRATUM] = strata[s];
		line[SV_POPULATION_LINE_END] = '\n';
		region_out[k] = KEY_VALUE(subjects[i]);
	}
	pfree(subjects);
	pfree(stratum_of);
	for (int s = 0; s < 5; s++)
		size_datums[s] = Int32GetDatum(sizes[s]);
	if (!built_callback_registered)
	{
		RegisterXactCallback(built_xact_callback, NULL);
		built_callback_registered = true;
	}
	built->handle = ++built_next_handle;
	built->population = population;
	built->regions = regions;
	built->next = built_list;
	built_list = built;
	values[0] = Int64GetDatum(built->handle);
	values[1] = PointerGetDatum(sha256_of(VARDATA(population), nsubjects * SV_POPULATION_LINE_LEN));
	values[2] = PointerGetDatum(construct_array(size_datums, 5, INT4OID, 4, true, TYPALIGN_INT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

/*
 * sv._draw_population_sizes(population bytea) returns int[]: the candidates per stratum A, B,
 * C, D, U counted from the population bytes (verification), or NULL when the bytes are not
 * whole lines "<18 characters>,<stratum>\n" (SV_POPULATION_LINE_LEN bytes) of those strata.
 */
PG_FUNCTION_INFO_V1(sv_draw_population_sizes);
Datum
sv_draw_population_sizes(PG_FUNCTION_ARGS)
{
	bytea	   *population = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(population);
	int64		len = VARSIZE_ANY_EXHDR(population);
	int32		sizes[5] = {0, 0, 0, 0, 0};
	Datum		size_datums[5];

	if (!population_sizes(p, len, sizes))
		PG_RETURN_NULL();
	for (int s = 0; s < 5; s++)
		size_datums[s] = Int32GetDatum(sizes[s]);
	PG_RETURN_ARRAYTYPE_P(construct_array(size_datums, 5, INT4OID, 4, true, TYPALIGN_INT));
}

/*
 * sv._draw_regions_sha256(regions int4[]): SHA-256 of the candidates' regions as sealed, each
 * written as its six ASCII digits and "\n", in population order (docs/draw-protocol.md,
 * "Seal"): the regions are covered by the seal's hash without passing a megabyte through SQL.
 */
PG_FUNCTION_INFO_V1(sv_draw_regions_sha256);
Datum
sv_draw_regions_sha256(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	int			n;
	int32	   *r;
	char	   *text;
	bytea	   *out;

	if (ARR_ELEMTYPE(a) != INT4OID || ARR_NDIM(a) > 1 || ARR_HASNULL(a))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("regions must be a one-dimensional integer array without nulls")));
	n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	r = (int32 *) ARR_DATA_PTR(a);
	text = palloc((Size) n * 7 + 1);
	for (int i = 0; i < n; i++)
	{
		int32		v = r[i];
		char	   *p = text + (Size) i * 7;

		SV_DRAW_CHECK_INTERRUPTS(i);
		if (v < 100000 || v > 999999)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("region %d (candidate %d) is not a six-digit region code", v, i + 1)));
		for (int d = 5; d >= 0; d--)
		{
			p[d] = (char) ('0' + v % 10);
			v /= 10;
		}
		p[6] = '\n';
	}
	out = sha256_of(text, (Size) n * 7);
	pfree(text);
	PG_RETURN_BYTEA_P(out);
}
