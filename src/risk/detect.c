/*
 * detect.c: the statistical detectors of risk early warning (风险预警, docs/risk.md).
 *
 * Each detector runs over one series of counts (one subject or one industry x region, one count
 * per period, oldest first) and returns one row per point: the observed count, the baseline,
 * the statistic, the threshold it is compared with, the p-value where there is one, and whether
 * the point alarms.  Kept in C because a full scan runs them over every series (issue 17: a
 * million subjects, 24 months each).
 *
 *   Poisson tail:  p_t = P(X >= x_t | lambda_t), lambda_t the mean of the `baseline` periods
 *                  that end `guard` periods before t; alarm when p_t < alpha and x_t >= min_count.
 *   EWMA:          z_0 = mu0, z_t = lambda x_t + (1 - lambda) z_{t-1}, alarm when z_t > UCL_t,
 *                  UCL_t = mu0 + L sigma sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2t)))
 *                  (the exact time-varying limit; Montgomery, Introduction to SQC, 6th ed., 9.2).
 *   Poisson CUSUM: k = (mu1 - mu0) / (ln mu1 - ln mu0), S_t = max(0, S_{t-1} + x_t - k), alarm
 *                  when S_t > h, then S_t restarts at 0 (Lucas, Technometrics 27 (1985) 129-144).
 *   With exposure w_t (the working days of each period; mu0, mu1 and sigma per unit of it):
 *     EWMA on the rates y_t = x_t / w_t: z_t = lambda y_t + (1 - lambda) z_{t-1}; with Var y_i =
 *                  sigma^2 / w_i (independent periods), Var z_t = lambda^2 sigma^2 a_t,
 *                  a_t = sum_{i<=t} (1 - lambda)^(2(t-i)) / w_i = (1 - lambda)^2 a_{t-1} + 1 / w_t,
 *                  UCL_t = mu0 + L sigma lambda sqrt(a_t) (with every w_i = 1 the plain limit);
 *     CUSUM:       the period's means mu0 w_t, mu1 w_t: the log-likelihood ratio of x_t divided by
 *                  ln(mu1 / mu0) is x_t - k w_t, so S_t = max(0, S_{t-1} + x_t - k w_t).
 *   (sv.risk_ewma_exposure, sv.risk_cusum_exposure; with every w_t = 1 the plain detectors.)
 *   Benjamini-Hochberg: across series, the step-up adjusted p-values
 *                  p_(i) m / i made monotone from the largest down (JRSS B 57 (1995) 289-300).
 *
 * P(X >= x | lambda) for x >= 1 is the regularized lower incomplete gamma function P(x, lambda):
 * a power series when lambda < x + 1 (where the tail is small, and the series gives it to full
 * relative precision), else 1 - Q(x, lambda) by Lentz's continued fraction (Numerical Recipes,
 * 3rd ed., 6.2).  The prefactor lambda^x e^-lambda / Gamma(x) is formed in logarithms, so large
 * counts neither overflow nor lose the tail to 1 - sum cancellation.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/tuplestore.h"

/* beyond this the iterations (about sqrt(lambda) of them near the mean) stop being cheap */
#define RISK_MAX_LAMBDA 1e9
#define RISK_MAX_ITER 100000000

static void
require_finite(float8 v, const char *name)
{
	if (isnan(v) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number, not %s", name, isnan(v) ? "NaN" : (v > 0 ? "infinity" : "-infinity"))));
}

static void
require_not_null(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/* The counts of a series: a one-dimensional bigint array without NULLs or negative counts. */
static int64 *
count_array(ArrayType *a, const char *name, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int64	   *out;
	int			i;

	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional bigint array", name)));
	deconstruct_array(a, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, n);
	out = palloc(sizeof(int64) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s[%d] must not be null", name, i + 1),
					 errdetail("A period without signals counts 0.")));
		out[i] = DatumGetInt64(elems[i]);
		if (out[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s[%d] must not be negative (it is " INT64_FORMAT ")", name, i + 1, out[i])));
	}
	return out;
}

/*
 * Loader's saddle-point pieces (C. Loader, "Fast and accurate computation of binomial
 * probabilities", 2000; as in R's dpois): stirlerr(n) = ln n! - (n + 1/2) ln n + n - ln sqrt(2 pi),
 * and bd0(x, np) = x ln(x / np) + np - x computed without cancellation when x is near np.
 * With them the log of lambda^a e^-lambda / Gamma(a) keeps its relative precision for counts
 * in the millions, where a ln lambda - lambda - lgamma(a) would lose it to cancellation.
 */
static float8
stirlerr(float8 n)
{
	const float8 S0 = 1.0 / 12,
				S1 = 1.0 / 360,
				S2 = 1.0 / 1260,
				S3 = 1.0 / 1680,
				S4 = 1.0 / 1188;
	float8		nn = n * n;

	if (n > 500)
		return (S0 - S1 / nn) / n;
	if (n > 80)
		return (S0 - (S1 - S2 / nn) / nn) / n;
	if (n > 35)
		return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
	return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

static float8
bd0(float8 x, float8 np)
{
	if (fabs(x - np) < 0.1 * (x + np))
	{
		float8		v = (x - np) / (x + np);
		float8		s = (x - np) * v;
		float8		ej = 2 * x * v;
		int			j;

		v = v * v;
		for (j = 1; j < 1000; j++)
		{
			float8		s1;

			ej *= v;
			s1 = s + ej / (2 * j + 1);
			if (s1 == s)
				return s1;
			s = s1;
		}
		return s;
	}
	return x * log(x / np) + np - x;
}

/*
 * P(X >= x | lambda) for X ~ Poisson(lambda), x >= 0, 0 <= lambda <= RISK_MAX_LAMBDA.
 */
static float8
poisson_upper_tail(float8 x, float8 lambda)
{
	float8		a = x;
	float8		lprefix;
	int			n;

	if (x <= 0)
		return 1.0;
	if (lambda <= 0)
		return 0.0;
	/* log of lambda^a e^-lambda / Gamma(a) = a pmf(a; lambda) */
	if (a > 15)
		lprefix = log(a) - 0.5 * log(2 * M_PI * a) - stirlerr(a) - bd0(a, lambda);
	else
		lprefix = a * log(lambda) - lambda - lgamma(a);
	if (lambda < a + 1.0)
	{
		/* P(a, lambda) = prefix / a * sum_n lambda^n / ((a+1)...(a+n)) */
		float8		term = 1.0 / a;
		float8		sum = term;
		float8		ap = a;

		for (n = 0; n < RISK_MAX_ITER; n++)
		{
			ap += 1.0;
			term *= lambda / ap;
			sum += term;
			if (fabs(term) < fabs(sum) * 1e-17)
				break;
		}
		return exp(lprefix + log(sum));
	}
	else
	{
		/* Q(a, lambda) by the continued fraction (modified Lentz), P = 1 - Q */
		float8		b = lambda + 1.0 - a;
		float8		c = 1.0 / DBL_MIN;
		float8		d = 1.0 / b;
		float8		h = d;
		float8		q;

		for (n = 1; n < RISK_MAX_ITER; n++)
		{
			float8		an = -n * (n - a);
			float8		del;

			b += 2.0;
			d = an * d + b;
			if (fabs(d) < DBL_MIN)
				d = DBL_MIN;
			c = b + an / c;
			if (fabs(c) < DBL_MIN)
				c = DBL_MIN;
			d = 1.0 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1.0) < 1e-16)
				break;
		}
		q = exp(lprefix + log(h));
		return q >= 1.0 ? 0.0 : 1.0 - q;
	}
}

static void
check_lambda(float8 lambda, const char *name)
{
	require_finite(lambda, name);
	if (lambda < 0 || lambda > RISK_MAX_LAMBDA)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between 0 and 1e9 (it is %g)", name, lambda)));
}

/*
 * sv.poisson_upper_tail(x bigint, lambda float8) returns float8: P(X >= x | lambda).
 */
PG_FUNCTION_INFO_V1(sv_poisson_upper_tail);
Datum
sv_poisson_upper_tail(PG_FUNCTION_ARGS)
{
	int64		x;
	float8		lambda;

	require_not_null(fcinfo, 0, "x");
	require_not_null(fcinfo, 1, "lambda");
	x = PG_GETARG_INT64(0);
	lambda = PG_GETARG_FLOAT8(1);
	if (x < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x must not be negative (it is " INT64_FORMAT ")", x)));
	check_lambda(lambda, "lambda");
	PG_RETURN_FLOAT8(poisson_upper_tail((float8) x, lambda));
}

/* The smallest count c with P(X >= c | lambda) < alpha: where the Poisson tail starts alarming. */
static float8
poisson_critical(float8 lambda, float8 alpha)
{
	float8		lo,
				hi,
				step = 1.0;

	/* P(X >= c) is non-increasing in c: find hi with tail(hi) < alpha, then bisect on integers */
	lo = 0;						/* tail(0) = 1 >= alpha */
	hi = floor(lambda) + 1.0;
	while (poisson_upper_tail(hi, lambda) >= alpha)
	{
		lo = hi;
		hi += step;
		step *= 2.0;
	}
	while (hi - lo > 1.0)
	{
		float8		mid = floor((lo + hi) / 2.0);

		if (poisson_upper_tail(mid, lambda) < alpha)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * The two of them for the Poisson tail detector, remembered per backend: a scan asks for the
 * same few values again and again (the baseline of a point is a trailing window's mean, k /
 * baseline for small integers k, or the same with exposure), and each costs tens of iterations.
 * A direct-mapped cache keyed by the exact arguments (their bits): a hit returns exactly what the
 * computation returned for them, so results do not depend on it.
 */
#define RISK_CACHE_SIZE 4096

typedef struct RiskCacheEntry
{
	float8		a;
	float8		b;
	float8		value;
	bool		valid;
} RiskCacheEntry;

static RiskCacheEntry tail_cache[RISK_CACHE_SIZE];
static RiskCacheEntry critical_cache[RISK_CACHE_SIZE];

static uint32
risk_cache_slot(float8 a, float8 b)
{
	uint64		ua,
				ub;

	memcpy(&ua, &a, sizeof(ua));
	memcpy(&ub, &b, sizeof(ub));
	ua ^= ub * UINT64CONST(0x9E3779B97F4A7C15);
	ua ^= ua >> 29;
	ua *= UINT64CONST(0xBF58476D1CE4E5B9);
	ua ^= ua >> 32;
	return (uint32) (ua & (RISK_CACHE_SIZE - 1));
}

/* f(a, b) from the cache, or computed and remembered */
static float8
risk_cached(RiskCacheEntry *cache, float8 (*f) (float8, float8), float8 a, float8 b)
{
	RiskCacheEntry *e = &cache[risk_cache_slot(a, b)];

	/* compared by their bits: a hit is exactly the same arguments */
	if (!e->valid || memcmp(&e->a, &a, sizeof(a)) != 0 || memcmp(&e->b, &b, sizeof(b)) != 0)
	{
		e->a = a;
		e->b = b;
		e->value = f(a, b);
		e->valid = true;
	}
	return e->value;
}

typedef struct RiskRow
{
	int32		t;
	int64		observed;
	float8		baseline;
	bool		baseline_null;
	float8		statistic;
	bool		statistic_null;
	float8		threshold;
	bool		threshold_null;
	float8		p;
	bool		p_null;
	bool		alarm;
} RiskRow;

static void
put_row(ReturnSetInfo *rsinfo, RiskRow *r)
{
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	values[0] = Int32GetDatum(r->t);
	values[1] = Int64GetDatum(r->observed);
	values[2] = Float8GetDatum(r->baseline);
	nulls[2] = r->baseline_null;
	values[3] = Float8GetDatum(r->statistic);
	nulls[3] = r->statistic_null;
	values[4] = Float8GetDatum(r->threshold);
	nulls[4] = r->threshold_null;
	values[5] = Float8GetDatum(r->p);
	nulls[5] = r->p_null;
	values[6] = BoolGetDatum(r->alarm);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* The parameters of the Poisson tail detector, checked. */
static void
poisson_tail_check(int32 baseline, int32 guard, float8 alpha, int64 min_count)
{
	if (baseline < 1 || baseline > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("baseline must be between 1 and 10000 periods (it is %d)", baseline)));
	if (guard < 0 || guard > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("guard must be between 0 and 10000 periods (it is %d)", guard)));
	require_finite(alpha, "alpha");
	if (!(alpha > 0 && alpha < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be between 0 and 1, both excluded (it is %g)", alpha)));
	if (min_count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_count must not be negative (it is " INT64_FORMAT ")", min_count)));
}

/*
 * The rows of the Poisson tail detector over counts x[0..n-1].  Without exposure (w NULL) the
 * baseline of point t is the mean of its window; with it (the working days of each period, say)
 * it is the window's rate, its counts over its exposure, times the exposure of t: a period with
 * fewer working days is compared with a proportionally lower mean.  A window without exposure
 * has no baseline (NULL, no alarm).
 */
static void
poisson_tail_rows(FunctionCallInfo fcinfo, const int64 *x, const int64 *w, int n, int32 baseline, int32 guard,
				  float8 alpha, int64 min_count)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			t;
	float8		window = 0;
	float8		exposure = 0;

	InitMaterializedSRF(fcinfo, 0);
	for (t = 0; t < n; t++)
	{
		RiskRow		r = {0};
		int			first = t - guard - baseline;	/* 0-based start of the window */

		r.t = t + 1;
		r.observed = x[t];
		r.statistic = (float8) x[t];
		if (first >= 0)
		{
			/* sliding sums: exact, since counts are integers well below 2^53 in total */
			if (first == 0)
			{
				int			i;

				window = 0;
				exposure = 0;
				for (i = 0; i < baseline; i++)
				{
					window += (float8) x[i];
					if (w)
						exposure += (float8) w[i];
				}
			}
			else
			{
				window += (float8) x[first + baseline - 1] - (float8) x[first - 1];
				if (w)
					exposure += (float8) w[first + baseline - 1] - (float8) w[first - 1];
			}
		}
		if (first >= 0 && (w == NULL || exposure > 0))
		{
			r.baseline = w ? window / exposure * (float8) w[t] : window / baseline;
			if (r.baseline > RISK_MAX_LAMBDA)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("counts: the baseline of point %d is %g, above 1e9", t + 1, r.baseline)));
			r.p = risk_cached(tail_cache, poisson_upper_tail, (float8) x[t], r.baseline);
			r.threshold = Max(risk_cached(critical_cache, poisson_critical, r.baseline, alpha), (float8) min_count);
			r.alarm = r.p < alpha && x[t] >= min_count;
		}
		else
		{
			r.baseline_null = r.threshold_null = r.p_null = true;
			r.alarm = false;
		}
		put_row(rsinfo, &r);
	}
}

/*
 * sv.risk_poisson_tail(counts bigint[], baseline int, guard int, alpha float8, min_count bigint)
 *   returns table (t, observed, baseline, statistic, threshold, p, alarm)
 *
 * The baseline of point t (1-based) is the mean of counts[t - guard - baseline .. t - guard - 1]:
 * `baseline` periods that end `guard` periods before t, so that the start of an outbreak does not
 * raise its own baseline.  The first baseline + guard points have none (NULL, no alarm).
 * statistic = the count, threshold = the smallest count that would alarm (at least min_count).
 */
/*
 * Both: the arguments (the exposure, when given, second), checked, then the rows.
 */
static void
poisson_tail_call(FunctionCallInfo fcinfo, bool with_exposure)
{
	int			k = with_exposure ? 1 : 0;	/* the offset of the arguments after the counts */
	int64	   *x;
	int64	   *w = NULL;
	int			n,
				nw;
	int32		baseline,
				guard;
	float8		alpha;
	int64		min_count;

	require_not_null(fcinfo, 0, "counts");
	if (with_exposure)
		require_not_null(fcinfo, 1, "exposure");
	require_not_null(fcinfo, k + 1, "baseline");
	require_not_null(fcinfo, k + 2, "guard");
	require_not_null(fcinfo, k + 3, "alpha");
	require_not_null(fcinfo, k + 4, "min_count");
	x = count_array(PG_GETARG_ARRAYTYPE_P(0), "counts", &n);
	if (with_exposure)
	{
		w = count_array(PG_GETARG_ARRAYTYPE_P(1), "exposure", &nw);
		if (nw != n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("exposure must have one element per count (it has %d, counts has %d)", nw, n)));
	}
	baseline = PG_GETARG_INT32(k + 1);
	guard = PG_GETARG_INT32(k + 2);
	alpha = PG_GETARG_FLOAT8(k + 3);
	min_count = PG_GETARG_INT64(k + 4);
	poisson_tail_check(baseline, guard, alpha, min_count);
	poisson_tail_rows(fcinfo, x, w, n, baseline, guard, alpha, min_count);
}

PG_FUNCTION_INFO_V1(sv_risk_poisson_tail);
Datum
sv_risk_poisson_tail(PG_FUNCTION_ARGS)
{
	poisson_tail_call(fcinfo, false);
	return (Datum) 0;
}

/*
 * sv.risk_poisson_tail_exposure(counts bigint[], exposure bigint[], baseline int, guard int,
 *                               alpha float8, min_count bigint)
 * The same with the baseline scaled by each period's exposure (poisson_tail_rows).
 */
PG_FUNCTION_INFO_V1(sv_risk_poisson_tail_exposure);
Datum
sv_risk_poisson_tail_exposure(PG_FUNCTION_ARGS)
{
	poisson_tail_call(fcinfo, true);
	return (Datum) 0;
}

/* The EWMA limit at point t (1-based). */
static float8
ewma_ucl(float8 mu0, float8 sigma, float8 lambda, float8 L, int t)
{
	return mu0 + L * sigma * sqrt(lambda / (2.0 - lambda) * (1.0 - pow(1.0 - lambda, 2.0 * t)));
}

/* The EWMA parameters, checked. */
static void
ewma_check(float8 mu0, float8 sigma, float8 lambda, float8 L)
{
	require_finite(mu0, "mu0");
	require_finite(sigma, "sigma");
	require_finite(lambda, "lambda");
	require_finite(L, "l");
	if (mu0 < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mu0 must not be negative (it is %g)", mu0)));
	if (!(sigma > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sigma must be positive (it is %g)", sigma)));
	if (!(lambda > 0 && lambda <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be in (0, 1] (it is %g)", lambda)));
	if (!(L > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("l must be positive (it is %g)", L)));
}

/*
 * The exposure of a series (argument 1): one positive element per count (a period without
 * exposure has no rate).
 */
static int64 *
exposure_array(FunctionCallInfo fcinfo, int n)
{
	int64	   *w;
	int			nw,
				i;

	require_not_null(fcinfo, 1, "exposure");
	w = count_array(PG_GETARG_ARRAYTYPE_P(1), "exposure", &nw);
	if (nw != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("exposure must have one element per count (it has %d, counts has %d)", nw, n)));
	for (i = 0; i < n; i++)
		if (w[i] <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("exposure[%d] must be positive (it is " INT64_FORMAT ")", i + 1, w[i])));
	return w;
}

/*
 * The counts (argument 0) and exposure (argument 1) of the detectors with exposure, and their
 * other arguments 2..nargs-1 not null (named by names).
 */
static int64 *
exposure_args(FunctionCallInfo fcinfo, int64 **w, int *n, const char *const *names, int nargs)
{
	int64	   *x;
	int			i;

	require_not_null(fcinfo, 0, "counts");
	for (i = 2; i < nargs; i++)
		require_not_null(fcinfo, i, names[i - 2]);
	x = count_array(PG_GETARG_ARRAYTYPE_P(0), "counts", n);
	*w = exposure_array(fcinfo, *n);
	return x;
}

/*
 * The rows of the EWMA over counts x[0..n-1]; with exposure w (not NULL) over the rates
 * x_t / w_t, the limit from a_t (see the top of this file) and the baseline the period's mean
 * count mu0 w_t.
 */
static void
ewma_rows(FunctionCallInfo fcinfo, const int64 *x, const int64 *w, int n, float8 mu0, float8 sigma, float8 lambda,
		  float8 L)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			t;
	float8		z = mu0,
				a = 0,
				q = (1.0 - lambda) * (1.0 - lambda);

	InitMaterializedSRF(fcinfo, 0);
	for (t = 0; t < n; t++)
	{
		RiskRow		r = {0};

		r.t = t + 1;
		r.observed = x[t];
		r.p_null = true;
		if (w)
		{
			z = lambda * ((float8) x[t] / (float8) w[t]) + (1.0 - lambda) * z;
			a = q * a + 1.0 / (float8) w[t];
			r.baseline = mu0 * (float8) w[t];
			r.threshold = mu0 + L * sigma * lambda * sqrt(a);
		}
		else
		{
			z = lambda * (float8) x[t] + (1.0 - lambda) * z;
			r.baseline = mu0;
			r.threshold = ewma_ucl(mu0, sigma, lambda, L, t + 1);
		}
		r.statistic = z;
		r.alarm = z > r.threshold;
		put_row(rsinfo, &r);
	}
}

/*
 * sv.risk_ewma(counts bigint[], mu0 float8, sigma float8, lambda float8, l float8)
 *   returns table (t, observed, baseline, statistic, threshold, p, alarm)
 *
 * baseline = mu0, statistic = z_t, threshold = UCL_t (upper side only: a risk is a rise).
 */
PG_FUNCTION_INFO_V1(sv_risk_ewma);
Datum
sv_risk_ewma(PG_FUNCTION_ARGS)
{
	int64	   *x;
	int			n;

	require_not_null(fcinfo, 0, "counts");
	require_not_null(fcinfo, 1, "mu0");
	require_not_null(fcinfo, 2, "sigma");
	require_not_null(fcinfo, 3, "lambda");
	require_not_null(fcinfo, 4, "l");
	x = count_array(PG_GETARG_ARRAYTYPE_P(0), "counts", &n);
	ewma_check(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4));
	ewma_rows(fcinfo, x, NULL, n, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3),
			  PG_GETARG_FLOAT8(4));
	return (Datum) 0;
}

/*
 * sv.risk_ewma_exposure(counts bigint[], exposure bigint[], mu0 float8, sigma float8,
 *                       lambda float8, l float8)
 * The EWMA of the rates counts / exposure, mu0 and sigma per unit of exposure: baseline = mu0 x
 * the period's exposure (its mean count), statistic = z_t and threshold = UCL_t per unit.
 */
PG_FUNCTION_INFO_V1(sv_risk_ewma_exposure);
Datum
sv_risk_ewma_exposure(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"mu0", "sigma", "lambda", "l"};
	int64	   *w;
	int			n;
	int64	   *x = exposure_args(fcinfo, &w, &n, names, 6);

	ewma_check(PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4), PG_GETARG_FLOAT8(5));
	ewma_rows(fcinfo, x, w, n, PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4),
			  PG_GETARG_FLOAT8(5));
	return (Datum) 0;
}

static void
check_cusum_means(float8 mu0, float8 mu1)
{
	require_finite(mu0, "mu0");
	require_finite(mu1, "mu1");
	if (!(mu0 > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mu0 must be positive (it is %g)", mu0)));
	if (!(mu1 > mu0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mu1 must be greater than mu0 (they are %g and %g)", mu1, mu0),
				 errdetail("The CUSUM looks for a rise from the in-control mean mu0 to mu1.")));
}

static float8
cusum_k(float8 mu0, float8 mu1)
{
	return (mu1 - mu0) / (log(mu1) - log(mu0));
}

/* sv.risk_cusum_k(mu0 float8, mu1 float8) returns float8: the reference value k of the Poisson CUSUM. */
PG_FUNCTION_INFO_V1(sv_risk_cusum_k);
Datum
sv_risk_cusum_k(PG_FUNCTION_ARGS)
{
	require_not_null(fcinfo, 0, "mu0");
	require_not_null(fcinfo, 1, "mu1");
	check_cusum_means(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1));
	PG_RETURN_FLOAT8(cusum_k(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1)));
}

/*
 * The rows of the Poisson CUSUM over counts x[0..n-1]; with exposure w (not NULL) the reference
 * value of period t is k w_t and its baseline mu0 w_t.
 */
static void
cusum_rows(FunctionCallInfo fcinfo, const int64 *x, const int64 *w, int n, float8 mu0, float8 mu1, float8 h)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			t;
	float8		k = cusum_k(mu0, mu1),
				s = 0;

	require_finite(h, "h");
	if (!(h > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("h must be positive (it is %g)", h)));
	InitMaterializedSRF(fcinfo, 0);
	for (t = 0; t < n; t++)
	{
		RiskRow		r = {0};
		float8		e = w ? (float8) w[t] : 1.0;

		s = Max(0.0, s + (float8) x[t] - k * e);
		r.t = t + 1;
		r.observed = x[t];
		r.baseline = mu0 * e;
		r.statistic = s;
		r.threshold = h;
		r.p_null = true;
		r.alarm = s > h;
		put_row(rsinfo, &r);
		if (r.alarm)
			s = 0;				/* restart after an alarm: the next episode is counted afresh */
	}
}

/*
 * sv.risk_cusum(counts bigint[], mu0 float8, mu1 float8, h float8)
 *   returns table (t, observed, baseline, statistic, threshold, p, alarm)
 *
 * baseline = mu0, statistic = S_t (before the restart), threshold = h.
 */
PG_FUNCTION_INFO_V1(sv_risk_cusum);
Datum
sv_risk_cusum(PG_FUNCTION_ARGS)
{
	int64	   *x;
	int			n;

	require_not_null(fcinfo, 0, "counts");
	require_not_null(fcinfo, 1, "mu0");
	require_not_null(fcinfo, 2, "mu1");
	require_not_null(fcinfo, 3, "h");
	x = count_array(PG_GETARG_ARRAYTYPE_P(0), "counts", &n);
	check_cusum_means(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	cusum_rows(fcinfo, x, NULL, n, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3));
	return (Datum) 0;
}

/*
 * sv.risk_cusum_exposure(counts bigint[], exposure bigint[], mu0 float8, mu1 float8, h float8)
 * The Poisson CUSUM with mu0, mu1 per unit of exposure: the means of period t are mu0 w_t and
 * mu1 w_t, its increment x_t - k w_t; baseline = mu0 w_t.
 */
PG_FUNCTION_INFO_V1(sv_risk_cusum_exposure);
Datum
sv_risk_cusum_exposure(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"mu0", "mu1", "h"};
	int64	   *w;
	int			n;
	int64	   *x = exposure_args(fcinfo, &w, &n, names, 5);

	check_cusum_means(PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3));
	cusum_rows(fcinfo, x, w, n, PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4));
	return (Datum) 0;
}

typedef struct PIndex
{
	float8		p;
	int			i;
} PIndex;

static int
pindex_cmp(const void *a, const void *b)
{
	const PIndex *x = a;
	const PIndex *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i - y->i;
}

/*
 * sv.risk_bh(p float8[], q float8) returns table (i int, p float8, p_adjusted float8, reject bool)
 *
 * Benjamini-Hochberg at false discovery rate q over the m p-values of one scan (one per series):
 * p_adjusted of the i-th smallest is min over j >= i of p_(j) m / j, capped at 1; rejected
 * (an alert) when p_adjusted <= q.  Rows in the order of the input.
 */
PG_FUNCTION_INFO_V1(sv_risk_bh);
Datum
sv_risk_bh(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *a;
	Datum	   *elems;
	bool	   *enulls;
	int			m,
				i;
	float8		q,
				run = 1.0;
	PIndex	   *ps;
	float8	   *adj;

	require_not_null(fcinfo, 0, "p");
	require_not_null(fcinfo, 1, "q");
	a = PG_GETARG_ARRAYTYPE_P(0);
	q = PG_GETARG_FLOAT8(1);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be a one-dimensional float8 array")));
	require_finite(q, "q");
	if (!(q > 0 && q < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("q must be between 0 and 1, both excluded (it is %g)", q)));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls, &m);
	ps = palloc(sizeof(PIndex) * Max(m, 1));
	adj = palloc(sizeof(float8) * Max(m, 1));
	for (i = 0; i < m; i++)
	{
		if (enulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("p[%d] must not be null", i + 1)));
		ps[i].p = DatumGetFloat8(elems[i]);
		ps[i].i = i;
		if (!(ps[i].p >= 0 && ps[i].p <= 1))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p[%d] must be a probability between 0 and 1 (it is %g)", i + 1, ps[i].p)));
	}
	qsort(ps, m, sizeof(PIndex), pindex_cmp);
	for (i = m - 1; i >= 0; i--)
	{
		float8		v = ps[i].p * m / (i + 1);

		run = Min(run, v);
		adj[ps[i].i] = run;
	}

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < m; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = elems[i];
		values[2] = Float8GetDatum(adj[i]);
		values[3] = BoolGetDatum(adj[i] <= q);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * sv._risk_month_counts(months date[], from_month date, n integer) returns bigint[]
 *
 * The counts of a series by month: element i (1-based) is the number of the dates that fall in
 * the i-th month from from_month's (dates outside the n months are not counted; NULL dates
 * neither).  What a scan turns the months of a series' signal rows into, zeros included.
 */
PG_FUNCTION_INFO_V1(sv_risk_month_counts);
Datum
sv_risk_month_counts(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	DateADT		from = PG_GETARG_DATEADT(1);
	int32		n = PG_GETARG_INT32(2);
	Datum	   *elems;
	bool	   *nulls;
	int			m,
				i,
				fy,
				fm,
				fd;
	int64	   *counts;
	Datum	   *out;

	if (n < 0 || n > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be between 0 and 10000 months (it is %d)", n)));
	if (DATE_NOT_FINITE(from))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("from_month must be a finite date")));
	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("months must be a one-dimensional date array")));
	j2date(from + POSTGRES_EPOCH_JDATE, &fy, &fm, &fd);
	deconstruct_array(a, DATEOID, sizeof(DateADT), true, TYPALIGN_INT, &elems, &nulls, &m);
	counts = palloc0(sizeof(int64) * Max(n, 1));
	for (i = 0; i < m; i++)
	{
		DateADT		d;
		int			y,
					mo,
					dd,
					k;

		if (nulls[i])
			continue;
		d = DatumGetDateADT(elems[i]);
		if (DATE_NOT_FINITE(d))
			continue;
		j2date(d + POSTGRES_EPOCH_JDATE, &y, &mo, &dd);
		k = (y - fy) * 12 + (mo - fm);
		if (k >= 0 && k < n)
			counts[k]++;
	}
	out = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
		out[i] = Int64GetDatum(counts[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
