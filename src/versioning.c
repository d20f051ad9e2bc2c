/*
 * versioning.c: system versioning of tables (like SQL:2011 SYSTEM VERSIONING), a C trigger.
 *
 * A versioned table has a column sys_period tstzrange: when the row version became current
 * (the start time of the transaction that wrote it) and, in its history table, when it stopped
 * being current.  The trigger, BEFORE INSERT OR UPDATE OR DELETE FOR EACH ROW with the history
 * table as its argument:
 *   INSERT  sets sys_period = [now, infinity), unless the row comes with a period that does
 *           not start now: a restore (pg_restore's COPY fires triggers) or a migration keeps
 *           the periods it had.  Application roles cannot write the tables at all.
 *   UPDATE  copies the old version to history with [its start, now), sets the new one's start
 *   DELETE  copies the old version to history with [its start, now)
 * "now" is the transaction start time, so every change of one transaction shares one instant.
 * A version written by the current transaction itself never becomes history: changing it
 * again replaces it, and deleting it leaves nothing.
 * If a transaction that started earlier changes a row written by one that started later (both
 * ran concurrently), the old version's end would precede its start: it is moved to just after
 * the start, so periods never overlap or run backwards.
 *
 * Reference tables only (the catalogue): triggers stay off the high-volume, subject-keyed
 * tables (docs: scale-out contract).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rangetypes.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#define PERIOD_COLUMN "sys_period"

typedef struct HistoryPlan
{
	Oid			relid;			/* hash key: the versioned table */
	char		history[2 * NAMEDATALEN + 8];
	SPIPlanPtr	plan;
} HistoryPlan;

static HTAB *history_plans = NULL;

static RangeType *
period(TypeCacheEntry *typcache, TimestampTz from, bool open, TimestampTz to)
{
	RangeBound	lower = {0};
	RangeBound	upper = {0};

	lower.val = TimestampTzGetDatum(from);
	lower.inclusive = true;
	lower.lower = true;
	upper.val = TimestampTzGetDatum(to);
	upper.infinite = open;
	upper.inclusive = false;
	upper.lower = false;
	return make_range(typcache, &lower, &upper, false);
}

static SPIPlanPtr
history_plan(Relation rel, const char *history)
{
	HistoryPlan *entry;
	bool		found;

	if (history_plans == NULL)
	{
		HASHCTL		ctl = {0};

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(HistoryPlan);
		history_plans = hash_create("sv versioning plans", 16, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	entry = hash_search(history_plans, &RelationGetRelid(rel), HASH_ENTER, &found);
	if (!found || strcmp(entry->history, history) != 0)
	{
		Oid			argtype = rel->rd_rel->reltype;
		/* the trigger's argument is resolved as a table name, then quoted: never spliced raw */
		Oid			histid = DatumGetObjectId(DirectFunctionCall1(regclassin,
																	CStringGetDatum(history)));
		char	   *sql;
		SPIPlanPtr	plan;

		if (found && entry->plan)
			SPI_freeplan(entry->plan);
		entry->plan = NULL;
		sql = psprintf("INSERT INTO %s SELECT ($1).*",
					   quote_qualified_identifier(get_namespace_name(get_rel_namespace(histid)),
												  get_rel_name(histid)));
		plan = SPI_prepare(sql, 1, &argtype);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		entry->plan = plan;
		strlcpy(entry->history, history, sizeof(entry->history));
	}
	return entry->plan;
}

PG_FUNCTION_INFO_V1(sv_versioning);
Datum
sv_versioning(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	int			attnum;
	TypeCacheEntry *typcache;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	HeapTuple	result = NULL;
	HeapTuple	oldtup = NULL;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sv.versioning() must be called as a trigger")));
	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sv.versioning() must be a BEFORE ... FOR EACH ROW trigger")));
	if (trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sv.versioning() takes the history table as its one argument")));

	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	attnum = SPI_fnumber(desc, PERIOD_COLUMN);
	if (attnum <= 0 || TupleDescAttr(desc, attnum - 1)->atttypid != TSTZRANGEOID)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no column \"%s\" of type tstzrange",
						RelationGetRelationName(rel), PERIOD_COLUMN)));
	typcache = lookup_type_cache(TSTZRANGEOID, TYPECACHE_RANGE_INFO);

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		oldtup = trigdata->tg_trigtuple;

	if (oldtup != NULL)
	{
		Datum		p = heap_getattr(oldtup, attnum, desc, &isnull);
		RangeBound	lower;
		RangeBound	upper;
		bool		empty;
		TimestampTz start;

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("%s of a row of \"%s\" is null", PERIOD_COLUMN, RelationGetRelationName(rel))));
		range_deserialize(typcache, DatumGetRangeTypeP(p), &lower, &upper, &empty);
		start = DatumGetTimestampTz(lower.val);

		if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(oldtup->t_data)))
		{
			/* the new version keeps the start of the one it replaces */
			now = start;
			/* written earlier in this transaction: that version never became history */
			if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
				return PointerGetDatum(oldtup);
		}
		else
		{
			Datum	   *values = palloc(desc->natts * sizeof(Datum));
			bool	   *nulls = palloc(desc->natts * sizeof(bool));
			HeapTuple	hist;
			Datum		arg;
			int			ret;

			/*
			 * never end a version at or before its start (a concurrent writer that started
			 * later, or in the same microsecond): an empty period would hide it from as_of
			 */
			if (now <= start)
				now = start + 1;
			/* the old version goes to history, closed at now */
			heap_deform_tuple(oldtup, desc, values, nulls);
			values[attnum - 1] = RangeTypePGetDatum(period(typcache, start, false, now));
			nulls[attnum - 1] = false;
			hist = heap_form_tuple(desc, values, nulls);
			arg = heap_copy_tuple_as_datum(hist, desc);

			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			ret = SPI_execute_plan(history_plan(rel, trigdata->tg_trigger->tgargs[0]), &arg, NULL, false, 0);
			if (ret != SPI_OK_INSERT)
				elog(ERROR, "writing the history of \"%s\" failed: %s",
					 RelationGetRelationName(rel), SPI_result_code_string(ret));
			SPI_finish();
		}
	}

	if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		return PointerGetDatum(oldtup);

	/* the new version is current from now */
	{
		HeapTuple	newtup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
			trigdata->tg_newtuple : trigdata->tg_trigtuple;
		int			cols[1] = {attnum};
		Datum		vals[1];
		bool		nulls[1] = {false};

		if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		{
			Datum		p = heap_getattr(newtup, attnum, desc, &isnull);

			if (!isnull)
			{
				RangeBound	lower;
				RangeBound	upper;
				bool		empty;

				range_deserialize(typcache, DatumGetRangeTypeP(p), &lower, &upper, &empty);
				/* an explicit period (restore, migration) is kept; the default one starts now */
				if (!empty && !lower.infinite && upper.infinite &&
					DatumGetTimestampTz(lower.val) != now)
					return PointerGetDatum(newtup);
			}
		}

		vals[0] = RangeTypePGetDatum(period(typcache, now, true, 0));
		result = heap_modify_tuple_by_cols(newtup, desc, 1, cols, vals, nulls);
	}
	return PointerGetDatum(result);
}
