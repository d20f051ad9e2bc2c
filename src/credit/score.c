/*
 * score.c: the credit score of a subject from its events (docs/credit.md).
 *
 * Each event in force contributes weight x severity x 2^(-age / half_life) points; positive
 * weights take points off 100, negative weights (commendations) add them.  The class follows
 * from the score and the model's thresholds.  Kept in C because a monthly rescoring of every
 * subject calls it once per subject with all its events.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

static float8 *
float8_array(ArrayType *a, const char *name, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	float8	   *out;
	int			i;

	if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional float8 array", name)));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, n);
	out = palloc(sizeof(float8) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s[%d] must not be null", name, i + 1)));
		out[i] = DatumGetFloat8(elems[i]);
	}
	return out;
}

/*
 * sv._credit_compute(points float8[], ages float8[], half_life float8, thresholds float8[])
 *   returns (score float8, class text, contributions float8[])
 *
 * points[i] = weight x severity of event i, ages[i] its age in days at the scoring time;
 * thresholds = {A, B, C}: a score at or above A is class A, at or above B class B, at or above
 * C class C, below it D.  Contributions are rounded to 0.01 point, and the score is 100 minus
 * their sum, so an explanation adds up exactly.
 */
PG_FUNCTION_INFO_V1(sv_credit_compute);
Datum
sv_credit_compute(PG_FUNCTION_ARGS)
{
	float8	   *points,
			   *ages,
			   *thresholds;
	int			n,
				n2,
				nt,
				i;
	float8		half_life;
	float8		total = 0;
	Datum	   *contrib;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	float8		score;
	const char *cls;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("points, ages, half_life and thresholds must not be null")));
	points = float8_array(PG_GETARG_ARRAYTYPE_P(0), "points", &n);
	ages = float8_array(PG_GETARG_ARRAYTYPE_P(1), "ages", &n2);
	half_life = PG_GETARG_FLOAT8(2);
	thresholds = float8_array(PG_GETARG_ARRAYTYPE_P(3), "thresholds", &nt);
	if (n != n2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("points and ages must have the same length (%d and %d)", n, n2)));
	if (!(half_life > 0) || nt != 3 || !(thresholds[0] >= thresholds[1] && thresholds[1] >= thresholds[2]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("half_life must be positive and thresholds three descending scores {A, B, C}")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	contrib = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		float8		age = ages[i] < 0 ? 0 : ages[i];	/* an event dated after the scoring time counts whole */
		float8		c = rint(points[i] * exp2(-age / half_life) * 100.0) / 100.0;

		total += c;
		contrib[i] = Float8GetDatum(c);
	}
	score = rint((100.0 - total) * 100.0) / 100.0;
	cls = score >= thresholds[0] ? "A" : score >= thresholds[1] ? "B" : score >= thresholds[2] ? "C" : "D";

	values[0] = Float8GetDatum(score);
	values[1] = CStringGetTextDatum(cls);
	values[2] = PointerGetDatum(construct_array(contrib, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * sv._credit_sum_step(sum float8, points float8, age float8, half_life float8) returns float8:
 * the transition of the aggregate sv._credit_sum, the sum of the events' contributions with the
 * same rounding as sv._credit_compute.  Rescoring a million subjects adds up their events as
 * they stream past instead of gathering them into arrays first.
 */
PG_FUNCTION_INFO_V1(sv_credit_sum_step);
Datum
sv_credit_sum_step(PG_FUNCTION_ARGS)
{
	float8		sum = PG_ARGISNULL(0) ? 0 : PG_GETARG_FLOAT8(0);
	float8		points,
				age,
				half_life;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_FLOAT8(sum);	/* a NULL row (an outer join's empty side) adds nothing */
	points = PG_GETARG_FLOAT8(1);
	age = PG_GETARG_FLOAT8(2);
	half_life = PG_GETARG_FLOAT8(3);
	if (!(half_life > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("half_life must be positive")));
	if (age < 0)
		age = 0;
	PG_RETURN_FLOAT8(sum + rint(points * exp2(-age / half_life) * 100.0) / 100.0);
}

/* The final function of sv._credit_score: 100 minus the sum, rounded to 0.01 as in _credit_compute. */
PG_FUNCTION_INFO_V1(sv_credit_score_final);
Datum
sv_credit_score_final(PG_FUNCTION_ARGS)
{
	float8		sum = PG_ARGISNULL(0) ? 0 : PG_GETARG_FLOAT8(0);

	PG_RETURN_FLOAT8(rint((100.0 - sum) * 100.0) / 100.0);
}
