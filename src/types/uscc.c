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

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* value + 1 of each permitted upper-case character; 0 = not permitted */
static const uint8 uscc_value_plus1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16, ['G'] = 17, ['H'] = 18, ['J'] = 19, ['K'] = 20,
	['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24, ['Q'] = 25,
	['R'] = 26, ['T'] = 27, ['U'] = 28, ['W'] = 29, ['X'] = 30,
	['Y'] = 31,
};

/* W_i = 3^(i-1) mod 31 */
static const int uscc_weights[USCC_LEN - 1] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

/* GB 32100-2015, table 1: registration authority and the organisation categories under it */
typedef struct UsccCategory
{
	char		authority;
	char		category;
	const char *authority_zh;
	const char *authority_en;
	const char *category_zh;
	const char *category_en;
} UsccCategory;

static const UsccCategory uscc_categories[] = {
	{'1', '1', "机构编制", "institutional establishment", "机关", "state organ"},
	{'1', '2', "机构编制", "institutional establishment", "事业单位", "public institution"},
	{'1', '3', "机构编制", "institutional establishment", "中央编办直接管理机构编制的群众团体", "mass organisation under the central establishment office"},
	{'1', '9', "机构编制", "institutional establishment", "其他", "other"},
	{'2', '1', "外交", "foreign affairs", "外国常驻新闻机构", "resident foreign news agency"},
	{'2', '9', "外交", "foreign affairs", "其他", "other"},
	{'3', '1', "司法行政", "justice administration", "律师执业机构", "law firm"},
	{'3', '2', "司法行政", "justice administration", "公证处", "notary office"},
	{'3', '3', "司法行政", "justice administration", "基层法律服务所", "grassroots legal service office"},
	{'3', '4', "司法行政", "justice administration", "司法鉴定机构", "forensic appraisal institution"},
	{'3', '5', "司法行政", "justice administration", "仲裁委员会", "arbitration commission"},
	{'3', '9', "司法行政", "justice administration", "其他", "other"},
	{'4', '1', "文化", "culture", "外国在华文化中心", "foreign cultural centre in China"},
	{'4', '9', "文化", "culture", "其他", "other"},
	{'5', '1', "民政", "civil affairs", "社会团体", "social organisation"},
	{'5', '2', "民政", "civil affairs", "民办非企业单位", "private non-enterprise unit"},
	{'5', '3', "民政", "civil affairs", "基金会", "foundation"},
	{'5', '9', "民政", "civil affairs", "其他", "other"},
	{'6', '1', "旅游", "tourism", "外国旅游部门常驻代表机构", "resident office of a foreign tourism authority"},
	{'6', '2', "旅游", "tourism", "港澳台地区旅游部门常驻内地(大陆)代表机构", "resident office of a Hong Kong, Macao or Taiwan tourism authority"},
	{'6', '9', "旅游", "tourism", "其他", "other"},
	{'7', '1', "宗教", "religious affairs", "宗教活动场所", "place of religious activity"},
	{'7', '2', "宗教", "religious affairs", "宗教院校", "religious college"},
	{'7', '9', "宗教", "religious affairs", "其他", "other"},
	{'8', '1', "工会", "trade unions", "基层工会", "grassroots trade union"},
	{'8', '9', "工会", "trade unions", "其他", "other"},
	{'9', '1', "工商", "industry and commerce", "企业", "enterprise"},
	{'9', '2', "工商", "industry and commerce", "个体工商户", "individual business"},
	{'9', '3', "工商", "industry and commerce", "农民专业合作社", "farmers' specialised cooperative"},
	{'A', '1', "中央军委改革和编制办公室", "Central Military Commission reform and establishment office", "军队事业单位", "military public institution"},
	{'A', '9', "中央军委改革和编制办公室", "Central Military Commission reform and establishment office", "其他", "other"},
	{'N', '1', "农业", "agriculture", "组级集体经济组织", "group-level collective economic organisation"},
	{'N', '2', "农业", "agriculture", "村级集体经济组织", "village-level collective economic organisation"},
	{'N', '3', "农业", "agriculture", "乡镇级集体经济组织", "township-level collective economic organisation"},
	{'N', '9', "农业", "agriculture", "其他", "other"},
	{'Y', '1', "其他", "other", "其他", "other"},
};

typedef enum UsccProblem
{
	USCC_OK = 0,
	USCC_LENGTH,
	USCC_CHARACTER,
	USCC_AUTHORITY,
	USCC_CATEGORY,
	USCC_REGION,
	USCC_CHECK_CHARACTER
} UsccProblem;

static const char *const uscc_problem_names[] = {
	"ok", "length", "character", "authority", "category", "region", "check_character"
};

/* The outcome of parsing: the canonical code, or the first problem and its explanation. */
typedef struct UsccParse
{
	UsccProblem problem;
	char		code[USCC_LEN];
	char		detail[160];
	const char *hint;
} UsccParse;

static bool
uscc_is_space(const unsigned char *p, const unsigned char *end, int *width)
{
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
	{
		*width = 1;
		return true;
	}
	/* U+3000 ideographic space, common in Chinese data entry (UTF-8 only) */
	if (GetDatabaseEncoding() == PG_UTF8 && end - p >= 3 &&
		p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
	{
		*width = 3;
		return true;
	}
	return false;
}

static const UsccCategory *
uscc_find_category(char authority, char category)
{
	for (int i = 0; i < lengthof(uscc_categories); i++)
		if (uscc_categories[i].authority == authority &&
			uscc_categories[i].category == category)
			return &uscc_categories[i];
	return NULL;
}

static bool
uscc_authority_known(char authority)
{
	for (int i = 0; i < lengthof(uscc_categories); i++)
		if (uscc_categories[i].authority == authority)
			return true;
	return false;
}

/* The check character for the first 17 (already validated, upper-case) characters. */
static char
uscc_compute_check(const char *code)
{
	int			sum = 0;
	int			c;

	for (int i = 0; i < USCC_LEN - 1; i++)
		sum += (uscc_value_plus1[(unsigned char) code[i]] - 1) * uscc_weights[i];
	c = 31 - sum % 31;
	return uscc_alphabet[c == 31 ? 0 : c];
}

/* Per authority character, a bit per permitted category digit (built once from the table). */
static uint16 uscc_category_mask[256];
static bool uscc_category_mask_ready = false;

static void
uscc_build_category_mask(void)
{
	for (int i = 0; i < lengthof(uscc_categories); i++)
	{
		const UsccCategory *c = &uscc_categories[i];

		Assert(c->category >= '0' && c->category <= '9');
		uscc_category_mask[(unsigned char) c->authority] |= (uint16) (1 << (c->category - '0'));
	}
	uscc_category_mask_ready = true;
}

/*
 * The common case in one pass: exactly 18 canonical characters, a valid code.  Returns false
 * for anything else (spaces, lower case, any problem), which the full parser then explains.
 * COPY of a million codes spends its time here, so it must cost about what text input costs.
 */
static inline bool
uscc_parse_fast(const char *str, int len, char *code)
{
	const unsigned char *p = (const unsigned char *) str;
	int			sum = 0;
	int			c;
	uint8		v;

	if (len != USCC_LEN)
		return false;
	if (unlikely(!uscc_category_mask_ready))
		uscc_build_category_mask();
	if (p[1] < '0' || p[1] > '9' ||
		(uscc_category_mask[p[0]] & (1 << (p[1] - '0'))) == 0)
		return false;
	for (int i = 0; i < USCC_LEN - 1; i++)
	{
		v = uscc_value_plus1[p[i]];
		if (v == 0)
			return false;
		/* positions 3-8 are digits: values 0-9 */
		if (i >= 2 && i < 8 && v > 10)
			return false;
		sum += (v - 1) * uscc_weights[i];
	}
	c = 31 - sum % 31;
	if (uscc_alphabet[c == 31 ? 0 : c] != (char) p[USCC_LEN - 1])
		return false;
	memcpy(code, str, USCC_LEN);
	return true;
}

/*
 * Parse and validate.  Checks run in order (length, characters, authority, category, region,
 * check character) and stop at the first problem, so the explanation names one cause.
 * With check_only_body, the 18th character is not verified (used to compute it).
 */
static void
uscc_parse(const char *str, int len, UsccParse *res)
{
	const unsigned char *p = (const unsigned char *) str;
	const unsigned char *end = p + len;
	int			w;
	int			nchars;
	bool		ascii = true;
	const UsccCategory *cat;
	char		expected;

	res->problem = USCC_OK;
	res->detail[0] = '\0';
	res->hint = NULL;

	if (uscc_parse_fast(str, len, res->code))
		return;

	/* trim surrounding white space */
	while (p < end && uscc_is_space(p, end, &w))
		p += w;
	while (end > p)
	{
		if (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
			end[-1] == '\r' || end[-1] == '\f' || end[-1] == '\v')
			end--;
		else if (GetDatabaseEncoding() == PG_UTF8 && end - p >= 3 &&
				 end[-3] == 0xE3 && end[-2] == 0x80 && end[-1] == 0x80)
			end -= 3;
		else
			break;
	}

	for (const unsigned char *q = p; q < end; q++)
		if (*q >= 0x80)
		{
			ascii = false;
			break;
		}
	nchars = ascii ? (int) (end - p) : pg_mbstrlen_with_len((const char *) p, (int) (end - p));

	if (nchars != USCC_LEN)
	{
		res->problem = USCC_LENGTH;
		snprintf(res->detail, sizeof(res->detail),
				 "The code has %d character%s, expected %d.", nchars, nchars == 1 ? "" : "s", USCC_LEN);
		return;
	}

	for (int i = 0; i < USCC_LEN; i++)
	{
		unsigned char c = *p;

		if (c >= 0x80)
		{
			int			clen = pg_mblen((const char *) p);

			res->problem = USCC_CHARACTER;
			snprintf(res->detail, sizeof(res->detail),
					 "Character \"%.*s\" at position %d is not allowed.", clen, p, i + 1);
			res->hint = "Only the digits and the letters A-H, J-N, P-R, T, U, W-Y are used; full-width characters are not.";
			return;
		}
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (uscc_value_plus1[c] == 0)
		{
			res->problem = USCC_CHARACTER;
			if (c == ' ')
				snprintf(res->detail, sizeof(res->detail),
						 "A space at position %d is not allowed.", i + 1);
			else if (c >= 0x21 && c < 0x7F)
				snprintf(res->detail, sizeof(res->detail),
						 "Character \"%c\" at position %d is not allowed.", c, i + 1);
			else
				snprintf(res->detail, sizeof(res->detail),
						 "Character 0x%02X at position %d is not allowed.", c, i + 1);
			if (c == 'I' || c == 'O' || c == 'S' || c == 'V' || c == 'Z')
				res->hint = "The letters I, O, S, V and Z are never used in a unified social credit code.";
			return;
		}
		res->code[i] = (char) c;
		p++;
	}

	if (!uscc_authority_known(res->code[0]))
	{
		res->problem = USCC_AUTHORITY;
		snprintf(res->detail, sizeof(res->detail),
				 "Registration authority code \"%c\" at position 1 is not one of 1-9, A, N, Y.",
				 res->code[0]);
		return;
	}
	cat = uscc_find_category(res->code[0], res->code[1]);
	if (cat == NULL)
	{
		res->problem = USCC_CATEGORY;
		snprintf(res->detail, sizeof(res->detail),
				 "Organisation category \"%c\" at position 2 is not valid for registration authority \"%c\".",
				 res->code[1], res->code[0]);
		res->hint = "See sv.uscc_category for the valid combinations.";
		return;
	}
	for (int i = 2; i < 8; i++)
		if (res->code[i] < '0' || res->code[i] > '9')
		{
			res->problem = USCC_REGION;
			snprintf(res->detail, sizeof(res->detail),
					 "Region code \"%.6s\" at positions 3-8 must be six digits; position %d is \"%c\".",
					 res->code + 2, i + 1, res->code[i]);
			return;
		}

	expected = uscc_compute_check(res->code);
	if (expected != res->code[USCC_LEN - 1])
	{
		res->problem = USCC_CHECK_CHARACTER;
		snprintf(res->detail, sizeof(res->detail),
				 "Check character is %c, expected %c.", res->code[USCC_LEN - 1], expected);
		res->hint = "A legal code that fails the check can be registered by an administrator with sv.uscc_register_exception().";
	}
}

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
	for (int i = 0; i < lengthof(uscc_categories); i++)
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
