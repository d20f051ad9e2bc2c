/*
 * teams.c: the second random of the double-random inspection: a team of inspectors for each
 * drawn subject, from the same ChaCha20 stream, continued where the subject draw stopped.
 *
 * Subjects are taken in draw order.  For each, the team is filled slot by slot: first one
 * inspector of each plan department not yet in the team (joint plans), then anyone eligible.
 * A slot goes to an eligible inspector with the fewest assignments so far; among several, the
 * stream picks one (below(number tied)) from the tied ones in certificate order.  Choosing the
 * least loaded keeps the workload within one assignment of even wherever eligibility allows.
 * An inspector is eligible for a subject unless excluded by a pair (declared conflict, recent
 * inspection of the subject) or, in a cross-area plan, working in the subject's region.  There
 * is no per-inspector capacity, so a subject is unstaffable exactly when its eligible
 * inspectors are too few or miss a department; such subjects are reported, not skipped.
 * docs/draw-protocol.md ("Teams") specifies it; verify_draw.py re-implements it.  The sets of
 * inspectors are bitmaps, so a place costs a few popcounts instead of a scan of every inspector.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "port/pg_bitutils.h"
#include "utils/tuplestore.h"

#include "draw/chacha20.h"
#include "draw/draw.h"

static int32 *
int4_arg(FunctionCallInfo fcinfo, int argno, const char *name, int *n)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return draw_int4_array(PG_GETARG_ARRAYTYPE_P(argno), name, n);
}

static int
int32_cmp(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return x < y ? -1 : x > y;
}

/* position of region r in the sorted list, or -1 (no inspector works there) */
static int
region_index(const int32 *regions, int n, int32 r)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (regions[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && regions[lo] == r ? lo : -1;
}

/*
 * Inspector sets as bitmaps in certificate order (bit i = inspector i), so that a slot is filled
 * by a few word operations instead of a scan of every inspector: one bitmap per load level (who
 * has exactly that many assignments), one per department, and the blocked ones.
 */
typedef struct Pool
{
	int			m;				/* inspectors */
	int			words;			/* 64-bit words per bitmap */
	uint64	   *blocked;		/* ruled out for the current subject, or already in its team */
	const uint64 *away;			/* the current subject's region (cross-area plans), or NULL */
	uint64	  **dept;			/* [1..ndepts] */
	uint64	  **level;			/* [0..nlevels-1]: inspectors with that load */
	int32	   *level_count;
	int			nlevels;
	int			min_level;		/* no inspector has a lower load */
	int32	   *load;
} Pool;

static inline void
bit_set(uint64 *b, int i)
{
	b[i >> 6] |= UINT64CONST(1) << (i & 63);
}

static inline void
bit_clear(uint64 *b, int i)
{
	b[i >> 6] &= ~(UINT64CONST(1) << (i & 63));
}

static void
pool_block(Pool *p, int i)
{
	bit_set(p->blocked, i);
}

static void
pool_unblock(Pool *p, int i)
{
	bit_clear(p->blocked, i);
}

static bool
pool_is_blocked(const Pool *p, int i)
{
	return (p->blocked[i >> 6] >> (i & 63)) & 1;
}

/* one more assignment for inspector i: it moves up one load level */
static void
pool_assign(Pool *p, int i)
{
	int			l = p->load[i];

	if (l + 1 >= p->nlevels)
	{
		int			grow = p->nlevels * 2;

		p->level = repalloc(p->level, sizeof(uint64 *) * grow);
		p->level_count = repalloc(p->level_count, sizeof(int32) * grow);
		for (int k = p->nlevels; k < grow; k++)
		{
			p->level[k] = palloc0(sizeof(uint64) * p->words);
			p->level_count[k] = 0;
		}
		p->nlevels = grow;
	}
	bit_clear(p->level[l], i);
	bit_set(p->level[l + 1], i);
	p->level_count[l]--;
	p->level_count[l + 1]++;
	p->load[i] = l + 1;
	while (p->level_count[p->min_level] == 0)
		p->min_level++;
}

/* word w of the eligible inspectors in set `set` (of department mask `dmask` unless NULL) */
static inline uint64
pool_word(const Pool *p, const uint64 *set, const uint64 *dmask, int w)
{
	uint64		x = set[w] & ~p->blocked[w];

	if (p->away)
		x &= ~p->away[w];
	if (dmask)
		x &= dmask[w];
	return x;
}

/* how many inspectors of department `dept` are eligible for the current subject */
static int
pool_count(const Pool *p, int dept)
{
	int			c = 0;

	for (int w = 0; w < p->words; w++)
		c += pg_popcount64(pool_word(p, p->dept[dept], NULL, w));
	return c;
}

/*
 * The eligible inspector (not blocked; of department `dept`, or any when 0) with the fewest
 * assignments; among several, the stream picks one of them in certificate order.  The one
 * picked is blocked, so that nobody sits twice in a team.  The caller knows one exists.
 */
static int
pick_least_loaded(ChaChaStream *stream, Pool *p, int dept)
{
	const uint64 *dmask = dept != 0 ? p->dept[dept] : NULL;

	for (int l = p->min_level; l < p->nlevels; l++)
	{
		const uint64 *lv = p->level[l];
		int64		ntied = 0;
		int64		j;

		if (p->level_count[l] == 0)
			continue;
		for (int w = 0; w < p->words; w++)
			ntied += pg_popcount64(pool_word(p, lv, dmask, w));
		if (ntied == 0)
			continue;
		j = ntied == 1 ? 0 : chacha_stream_below(stream, (uint32) ntied);
		for (int w = 0; w < p->words; w++)
		{
			uint64		x = pool_word(p, lv, dmask, w);
			int			c = pg_popcount64(x);

			if (j >= c)
			{
				j -= c;
				continue;
			}
			while (j-- > 0)
				x &= x - 1;		/* drop the lowest set bits before the one picked */
			{
				int			pick = w * 64 + pg_rightmost_one_pos64(x);

				pool_block(p, pick);
				return pick;
			}
		}
	}
	elog(ERROR, "sv._draw_teams: no eligible inspector left for a slot");
	return -1;					/* keep the compiler quiet */
}

/*
 * sv._draw_teams(seed bytea, start_words bigint, team_size int, departments int,
 *                inspector_department int[], inspector_region int[], subject_region int[],
 *                excluded_subject int[], excluded_inspector int[], cross_area boolean)
 *   returns table (subject int, slot int, inspector int, stream_words bigint)
 *
 * Inspectors 1..m in certificate order with their department number (1..departments) and
 * region number; subjects 1..n in draw order with their region number; exclusion pairs
 * (subject, inspector).  Rows (subject, slot 1..team_size, inspector) in the order assigned;
 * an unstaffable subject gives one row (subject, 0, NULL).  stream_words: words read in all,
 * counting the start.
 */
PG_FUNCTION_INFO_V1(sv_draw_teams);
Datum
sv_draw_teams(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *seed;
	int64		start_words;
	int32		team_size,
				ndepts;
	int32	   *insp_dept,
			   *insp_region,
			   *subj_region,
			   *ex_subj,
			   *ex_insp;
	int			m,
				m2,
				n,
				nex,
				nex2;
	bool		cross_area;
	ChaChaStream stream;
	Pool		pool;
	int32	   *team;
	int32	   *ex_start;		/* exclusions sorted by subject: CSR offsets */
	int32	   *ex_list;
	int32	   *result;			/* n * team_size inspectors, -1 for unstaffable */
	bool	   *unstaffable;
	int			i,
				s;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(9))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seed, start_words, team_size, departments and cross_area must not be null")));
	seed = PG_GETARG_BYTEA_PP(0);
	if (VARSIZE_ANY_EXHDR(seed) != CHACHA20_KEY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seed must be %d bytes", CHACHA20_KEY_BYTES)));
	start_words = PG_GETARG_INT64(1);
	team_size = PG_GETARG_INT32(2);
	ndepts = PG_GETARG_INT32(3);
	insp_dept = int4_arg(fcinfo, 4, "inspector_department", &m);
	insp_region = int4_arg(fcinfo, 5, "inspector_region", &m2);
	subj_region = int4_arg(fcinfo, 6, "subject_region", &n);
	ex_subj = int4_arg(fcinfo, 7, "excluded_subject", &nex);
	ex_insp = int4_arg(fcinfo, 8, "excluded_inspector", &nex2);
	cross_area = PG_GETARG_BOOL(9);

	if (start_words < 0 || team_size < 1 || ndepts < 1 || ndepts > team_size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("start_words must be 0 or more, and departments between 1 and team_size")));
	if (m != m2 || nex != nex2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("inspector arrays and exclusion arrays must pair up")));
	for (i = 0; i < m; i++)
		if (insp_dept[i] < 1 || insp_dept[i] > ndepts)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("inspector %d: department number %d is not between 1 and %d", i + 1, insp_dept[i], ndepts)));
	for (i = 0; i < nex; i++)
		if (ex_subj[i] < 1 || ex_subj[i] > n || ex_insp[i] < 1 || ex_insp[i] > m)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("exclusion %d: (%d, %d) is not a subject and an inspector", i + 1, ex_subj[i], ex_insp[i])));

	/* exclusions grouped by subject (counting sort) */
	ex_start = palloc0(sizeof(int32) * (n + 2));
	ex_list = palloc(sizeof(int32) * Max(nex, 1));
	for (i = 0; i < nex; i++)
		ex_start[ex_subj[i] + 1]++;
	for (s = 1; s <= n + 1; s++)
		ex_start[s] += ex_start[s - 1];
	{
		int32	   *fill = palloc(sizeof(int32) * (n + 1));

		memcpy(fill, ex_start, sizeof(int32) * (n + 1));
		for (i = 0; i < nex; i++)
			ex_list[fill[ex_subj[i]]++] = ex_insp[i] - 1;
		pfree(fill);
	}

	chacha_stream_init(&stream, (const uint8 *) VARDATA_ANY(seed));
	chacha_stream_skip(&stream, (uint64) start_words);

	pool.m = m;
	pool.words = (m + 63) / 64 + 1;
	pool.blocked = palloc0(sizeof(uint64) * pool.words);
	pool.away = NULL;
	pool.dept = palloc0(sizeof(uint64 *) * (ndepts + 1));
	for (i = 1; i <= ndepts; i++)
		pool.dept[i] = palloc0(sizeof(uint64) * pool.words);
	pool.nlevels = 8;
	pool.level = palloc(sizeof(uint64 *) * pool.nlevels);
	pool.level_count = palloc0(sizeof(int32) * pool.nlevels);
	for (i = 0; i < pool.nlevels; i++)
		pool.level[i] = palloc0(sizeof(uint64) * pool.words);
	pool.min_level = 0;
	pool.load = palloc0(sizeof(int32) * Max(m, 1));
	for (i = 0; i < m; i++)
	{
		bit_set(pool.dept[insp_dept[i]], i);
		bit_set(pool.level[0], i);
	}
	pool.level_count[0] = m;
	if (m == 0)
		pool.level_count[0] = 1;	/* keeps min_level in range; nothing is ever picked */
	team = palloc(sizeof(int32) * team_size);
	result = palloc(sizeof(int32) * Max((int64) n * team_size, 1));
	unstaffable = palloc0(sizeof(bool) * Max(n, 1));

	/*
	 * Per subject: its exclusion pairs are blocked one by one (few), and in a cross-area plan
	 * the inspectors of its region are masked out as a whole (one bitmap per region).  The
	 * eligible per department are then counted with popcounts.
	 */
	{
		int32	   *marked = palloc(sizeof(int32) * Max(m, 1));
		int32	   *regions = palloc(sizeof(int32) * Max(m, 1));
		int			nregions = 0;
		uint64	  **region_mask;

		/* the inspectors' regions, sorted and unique, each with its inspectors */
		memcpy(regions, insp_region, sizeof(int32) * m);
		qsort(regions, m, sizeof(int32), int32_cmp);
		for (i = 0; i < m; i++)
			if (nregions == 0 || regions[nregions - 1] != regions[i])
				regions[nregions++] = regions[i];
		region_mask = palloc(sizeof(uint64 *) * Max(nregions, 1));
		for (i = 0; i < nregions; i++)
			region_mask[i] = palloc0(sizeof(uint64) * pool.words);
		for (i = 0; i < m; i++)
			bit_set(region_mask[region_index(regions, nregions, insp_region[i])], i);

		for (s = 1; s <= n; s++)
		{
			int			k,
						d,
						nmarked = 0,
						filled = 0,
						eligible = 0;
			bool		staffable = true;

			CHECK_FOR_INTERRUPTS();
			for (k = ex_start[s]; k < ex_start[s + 1]; k++)
			{
				int32		x = ex_list[k];

				if (!pool_is_blocked(&pool, x))
				{
					pool_block(&pool, x);
					marked[nmarked++] = x;
				}
			}
			pool.away = NULL;
			if (cross_area)
			{
				int			r = region_index(regions, nregions, subj_region[s - 1]);

				if (r >= 0)
					pool.away = region_mask[r];
			}
			for (d = 1; d <= ndepts; d++)
			{
				int			c = pool_count(&pool, d);

				if (c < 1)
					staffable = false;
				eligible += c;
			}
			if (eligible < team_size)
				staffable = false;

			if (!staffable)
				unstaffable[s - 1] = true;
			else
			{
				/* a slot for each department first, in department order, then open slots */
				for (d = 1; d <= ndepts; d++)
				{
					team[filled] = pick_least_loaded(&stream, &pool, d);
					marked[nmarked++] = team[filled++];
				}
				while (filled < team_size)
				{
					team[filled] = pick_least_loaded(&stream, &pool, 0);
					marked[nmarked++] = team[filled++];
				}
				for (k = 0; k < team_size; k++)
				{
					pool_assign(&pool, team[k]);
					result[(int64) (s - 1) * team_size + k] = team[k];
				}
			}
			/* clear this subject's marks */
			for (k = 0; k < nmarked; k++)
				pool_unblock(&pool, marked[k]);
		}
	}

	InitMaterializedSRF(fcinfo, 0);
	for (s = 1; s <= n; s++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		int			k;

		values[0] = Int32GetDatum(s);
		values[3] = Int64GetDatum((int64) stream.words);
		if (unstaffable[s - 1])
		{
			values[1] = Int32GetDatum(0);
			nulls[2] = true;
			values[2] = (Datum) 0;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		for (k = 0; k < team_size; k++)
		{
			values[1] = Int32GetDatum(k + 1);
			values[2] = Int32GetDatum(result[(int64) (s - 1) * team_size + k] + 1);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
