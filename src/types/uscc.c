/*
 * uscc.c: the sv.uscc base type, the unified social credit code (统一社会信用代码) of
 * GB 32100-2015.
 *
 * Layout of the 18 characters:
 *   1      registration authority (登记管理部门码)
 *   2      organisation category (机构类别码), valid only in the combinations of the
 *          standard's table (uscc_categories below)
 *   3-8    the registering authority's GB/T 2260 region code (digits)
 *   9-17   organisation code (主体标识码)
 *   18     check character
 *
 * Every character comes from the 31-symbol alphabet 0-9 A-H J-N P-R T U W-Y (values 0-30; the
 * letters I O S V Z are never used).  Check character:
 *   C18 = 31 - (sum of value(c_i) * W_i for i = 1..17) mod 31, with 31 written as 0,
 *   W_i = 3^(i-1) mod 31.
 *
 * Some real early (pilot) codes are legal but fail the check character.  An administrator can
 * register such a code (sv.uscc_exception); input then accepts exactly that code and nothing
 * else is loosened.  The lookup happens only on the failing path, so valid input never
 * touches a table.
 *
 * The parsing and validation itself, which needs no server, is in uscc_parse.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation_d.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/sortsupport.h"
#include "utils/tuplestore.h"

#include "sv_platform.h"
#include "types/uscc.h"
#include "types/uscc_parse.h"

/*
 * Is this code registered in sv.uscc_exception?  Reads the table through its primary key
 * directly, so callers need no privilege on it and input stays usable for every role.
 * Absent table (during CREATE EXTENSION, or a restore that has not created it yet) = no.
 */
static bool
uscc_exception_registered(const char *code)
{
	Oid			nsp;
	Oid			relid;
	Oid			indexid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	bool		found;
	Snapshot	snapshot;

	nsp = get_namespace_oid("sv", true);
	if (!OidIsValid(nsp))
		return false;
	relid = get_relname_relid("uscc_exception", nsp);
	indexid = get_relname_relid("uscc_exception_pkey", nsp);
	if (!OidIsValid(relid) || !OidIsValid(indexid))
		return false;

	/* the key column is text COLLATE "C": compare with the C collation */
	ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid,
						   C_COLLATION_OID, F_TEXTEQ,
						   PointerGetDatum(cstring_to_text_with_len(code, USCC_LEN)));

	/*
	 * A fresh snapshot, so a registration is honoured by the very next command of the
	 * transaction that made it (the statement snapshot of a PL/pgSQL expression predates it).
	 * Parallel workers cannot take one and use the query's snapshot instead.
	 */
	if (IsInParallelMode())
		snapshot = RegisterSnapshot(GetTransactionSnapshot());
	else
		snapshot = RegisterSnapshot(GetLatestSnapshot());
	rel = table_open(relid, AccessShareLock);
	scan = systable_beginscan(rel, indexid, true, snapshot, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snapshot);
	return found;
}

/* Parse, accept registered exceptions, or raise 22P02 naming the input and the cause. */
static Uscc *
uscc_from_cstring(const char *str, int len)
{
	UsccParse	res;
	Uscc	   *result;

	uscc_parse(str, len, &res);
	if (res.problem == USCC_CHECK_CHARACTER &&
		(sv_uscc_restore_mode || uscc_exception_registered(res.code)))
		res.problem = USCC_OK;
	if (res.problem != USCC_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid unified social credit code \"%.*s\"", len, str),
				 errdetail_internal("%s", res.detail),
				 res.hint ? errhint("%s", res.hint) : 0));

	result = (Uscc *) palloc(sizeof(Uscc));
	memcpy(result->code, res.code, USCC_LEN);
	return result;
}

PG_FUNCTION_INFO_V1(uscc_in);
Datum
uscc_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);

	PG_RETURN_USCC_P(uscc_from_cstring(str, (int) strlen(str)));
}

PG_FUNCTION_INFO_V1(uscc_out);
Datum
uscc_out(PG_FUNCTION_ARGS)
{
	Uscc	   *u = PG_GETARG_USCC_P(0);
	char	   *result = palloc(USCC_LEN + 1);

	memcpy(result, u->code, USCC_LEN);
	result[USCC_LEN] = '\0';
	PG_RETURN_CSTRING(result);
}

/* Binary format: the 18 canonical ASCII characters, validated on receipt like text input. */
PG_FUNCTION_INFO_V1(uscc_recv);
Datum
uscc_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	const char *bytes = pq_getmsgbytes(buf, len);

	PG_RETURN_USCC_P(uscc_from_cstring(bytes, len));
}

PG_FUNCTION_INFO_V1(uscc_send);
Datum
uscc_send(PG_FUNCTION_ARGS)
{
	Uscc	   *u = PG_GETARG_USCC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, u->code, USCC_LEN);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(uscc_from_text);
Datum
uscc_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_USCC_P(uscc_from_cstring(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

PG_FUNCTION_INFO_V1(uscc_to_text);
Datum
uscc_to_text(PG_FUNCTION_ARGS)
{
	Uscc	   *u = PG_GETARG_USCC_P(0);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(u->code, USCC_LEN));
}

/* ---- comparison, hashing, sorting ---- */

static inline int
uscc_cmp_internal(const Uscc *a, const Uscc *b)
{
	return memcmp(a->code, b->code, USCC_LEN);
}

#define USCC_CMP_FUNC(name, op) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(uscc_cmp_internal(PG_GETARG_USCC_P(0), PG_GETARG_USCC_P(1)) op 0); \
}

USCC_CMP_FUNC(uscc_eq, ==)
USCC_CMP_FUNC(uscc_ne, !=)
USCC_CMP_FUNC(uscc_lt, <)
USCC_CMP_FUNC(uscc_le, <=)
USCC_CMP_FUNC(uscc_gt, >)
USCC_CMP_FUNC(uscc_ge, >=)

PG_FUNCTION_INFO_V1(uscc_cmp);
Datum
uscc_cmp(PG_FUNCTION_ARGS)
{
	int			c = uscc_cmp_internal(PG_GETARG_USCC_P(0), PG_GETARG_USCC_P(1));

	PG_RETURN_INT32(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

static int
uscc_fastcmp(Datum a, Datum b, SortSupport ssup)
{
	return uscc_cmp_internal(DatumGetUsccP(a), DatumGetUsccP(b));
}

PG_FUNCTION_INFO_V1(uscc_sortsupport);
Datum
uscc_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = uscc_fastcmp;
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(uscc_hash);
Datum
uscc_hash(PG_FUNCTION_ARGS)
{
	Uscc	   *u = PG_GETARG_USCC_P(0);

	return hash_any((const unsigned char *) u->code, USCC_LEN);
}

PG_FUNCTION_INFO_V1(uscc_hash_extended);
Datum
uscc_hash_extended(PG_FUNCTION_ARGS)
{
	Uscc	   *u = PG_GETARG_USCC_P(0);

	return hash_any_extended((const unsigned char *) u->code, USCC_LEN, PG_GETARG_INT64(1));
}

/* ---- accessors ---- */

PG_FUNCTION_INFO_V1(uscc_authority);
Datum
uscc_authority(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text_with_len(PG_GETARG_USCC_P(0)->code, 1));
}

PG_FUNCTION_INFO_V1(uscc_category);
Datum
uscc_category(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text_with_len(PG_GETARG_USCC_P(0)->code + 1, 1));
}

PG_FUNCTION_INFO_V1(uscc_region_code);
Datum
uscc_region_code(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text_with_len(PG_GETARG_USCC_P(0)->code + 2, 6));
}

PG_FUNCTION_INFO_V1(uscc_org_code);
Datum
uscc_org_code(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text_with_len(PG_GETARG_USCC_P(0)->code + 8, 9));
}

/* ---- validation without exceptions (ingest) ---- */

/*
 * sv.uscc_validate(text): the canonical code (when it parses that far), the problem kind and
 * its explanation; problem is NULL when the type would accept the input.
 */
PG_FUNCTION_INFO_V1(uscc_validate);
Datum
uscc_validate(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	TupleDesc	tupdesc;
	UsccParse	res;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	bool		registered = false;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	uscc_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &res);
	if (res.problem == USCC_CHECK_CHARACTER && uscc_exception_registered(res.code))
		registered = true;

	if (res.problem == USCC_OK || res.problem >= USCC_AUTHORITY)
		values[0] = PointerGetDatum(cstring_to_text_with_len(res.code, USCC_LEN));
	else
		nulls[0] = true;

	if (res.problem == USCC_OK || registered)
	{
		nulls[1] = true;
		nulls[2] = true;
	}
	else
	{
		values[1] = CStringGetTextDatum(uscc_problem_names[res.problem]);
		values[2] = CStringGetTextDatum(res.detail);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* sv.uscc_check(text): NULL when valid, otherwise why not.  Never raises on bad input. */
PG_FUNCTION_INFO_V1(uscc_check);
Datum
uscc_check(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	UsccParse	res;

	uscc_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &res);
	if (res.problem == USCC_OK ||
		(res.problem == USCC_CHECK_CHARACTER && uscc_exception_registered(res.code)))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(res.detail));
}

/*
 * sv.uscc_check_character(text): the check character that completes 17 characters, for
 * generating test data and for telling an operator what a mistyped code should end with.
 */
PG_FUNCTION_INFO_V1(uscc_check_character);
Datum
uscc_check_character(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char		body[USCC_LEN];
	char		result;

	int			nchars = pg_mbstrlen_with_len(s, len);

	if (nchars != USCC_LEN - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("code body must have 17 characters, not %d", nchars)));
	for (int i = 0; i < USCC_LEN - 1; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c >= 0x80 || uscc_value_plus1[c] == 0)
		{
			int			clen = (c >= 0x80) ? pg_mblen(s + i) : 1;

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("code body has character \"%.*s\" at position %d, which is not allowed",
							clen, s + i, i + 1)));
		}
		body[i] = (char) c;
	}
	result = uscc_compute_check(body);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(&result, 1));
}

/* sv.uscc_categories(): table 1 of GB 32100-2015, the single source for the view. */
PG_FUNCTION_INFO_V1(uscc_categories_list);
Datum
uscc_categories_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < uscc_ncategories; i++)
	{
		const UsccCategory *c = &uscc_categories[i];
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = PointerGetDatum(cstring_to_text_with_len(&c->authority, 1));
		values[1] = PointerGetDatum(cstring_to_text_with_len(&c->category, 1));
		values[2] = CStringGetTextDatum(c->authority_zh);
		values[3] = CStringGetTextDatum(c->authority_en);
		values[4] = CStringGetTextDatum(c->category_zh);
		values[5] = CStringGetTextDatum(c->category_en);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
