/*
 * uscc_parse.c: parsing and validating the text of a unified social credit code
 * (GB 32100-2015; the layout and the check character are described in uscc.c).
 *
 * Pure computation: no catalog access, no memory allocation, no error raised (the outcome is
 * a UsccParse), so that the type's input functions and the fuzz target (fuzz/uscc.c) share it
 * and it runs without a server.  Its only server calls are the encoding functions
 * GetDatabaseEncoding(), pg_mblen() and pg_mbstrlen_with_len() on text the server has verified.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include "types/uscc_parse.h"

const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* value + 1 of each permitted upper-case character; 0 = not permitted */
const uint8 uscc_value_plus1[256] = {
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

const UsccCategory uscc_categories[] = {
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
const int	uscc_ncategories = lengthof(uscc_categories);

const char *const uscc_problem_names[] = {
	"ok", "length", "character", "authority", "category", "region", "check_character"
};

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
char
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
void
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
