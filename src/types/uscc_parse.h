/*
 * uscc_parse.h: parsing and validating a unified social credit code without a server
 * (uscc_parse.c), for the type's input functions (uscc.c) and the fuzz target (fuzz/).
 */
#ifndef SV_USCC_PARSE_H
#define SV_USCC_PARSE_H

#include "postgres.h"

#include "types/uscc.h"

typedef struct UsccCategory
{
	char		authority;
	char		category;
	const char *authority_zh;
	const char *authority_en;
	const char *category_zh;
	const char *category_en;
} UsccCategory;

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

/* The outcome of parsing: the canonical code, or the first problem and its explanation. */
typedef struct UsccParse
{
	UsccProblem problem;
	char		code[USCC_LEN];
	char		detail[160];
	const char *hint;
} UsccParse;

/* the 31 symbols in value order; value + 1 of each permitted upper-case character (0: not) */
extern const char uscc_alphabet[];
extern const uint8 uscc_value_plus1[256];

/* GB 32100-2015, table 1 */
extern const UsccCategory uscc_categories[];
extern const int uscc_ncategories;

/* indexed by UsccProblem: the names sv.uscc_validate reports */
extern const char *const uscc_problem_names[];

/* the check character for 17 validated upper-case characters */
extern char uscc_compute_check(const char *code);

/* parse and validate len bytes (database encoding, not NUL-terminated): see uscc_parse.c */
extern void uscc_parse(const char *str, int len, UsccParse *res);

#endif
