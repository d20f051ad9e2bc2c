/*
 * fuzz/uscc.c: libFuzzer target for the text of sv.uscc (src/types/uscc_parse.c).
 *
 * Input: any bytes; only valid UTF-8 without NUL reaches uscc_parse(), as in the server (the
 * type's input and the text functions get verified text).  Properties:
 *   - an accepted code is 18 canonical symbols with its check character, and its output
 *     (the 18 characters) parses to the same code: the type round-trips;
 *   - the same code in lower case, between spaces (ASCII or U+3000), is the same value;
 *   - a code failing only the check character (what restore mode and registered exceptions
 *     let in) is accepted once its check character is the computed one, and its stored form
 *     re-parses to the same problem and code; likewise for every problem that reports a code;
 *   - the explanation is a NUL-terminated string; parsing is deterministic.
 */
#include "postgres.h"

#include <string.h>

#include "types/uscc_parse.h"

#include "shim.h"

static void
parse(const char *s, int len, UsccParse *res)
{
	memset(res, 0x7F, sizeof(*res));	/* nothing left over from a previous call counts */
	uscc_parse(s, len, res);
	FUZZ_CHECK(res->problem >= USCC_OK && res->problem <= USCC_CHECK_CHARACTER, "problem %d", res->problem);
	FUZZ_CHECK(memchr(res->detail, '\0', sizeof(res->detail)) != NULL, "detail not terminated");
	FUZZ_CHECK((res->problem == USCC_OK) == (res->detail[0] == '\0'), "detail for problem %d", res->problem);
}

static bool
canonical(const char *code)
{
	for (int i = 0; i < USCC_LEN; i++)
		if (memchr(uscc_alphabet, code[i], 31) == NULL || code[i] == '\0')
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	UsccParse	res,
				again;
	char		buf[64];
	int			len;

	if (size > 4096 || !fuzz_valid_text(data, size))
		return -1;				/* the server would not pass it */

	parse((const char *) data, (int) size, &res);
	parse((const char *) data, (int) size, &again);
	FUZZ_CHECK(again.problem == res.problem && strcmp(again.detail, res.detail) == 0, "not deterministic");
	if (res.problem == USCC_OK || res.problem >= USCC_AUTHORITY)
		FUZZ_CHECK(memcmp(again.code, res.code, USCC_LEN) == 0, "not deterministic");

	if (res.problem == USCC_OK)
	{
		FUZZ_CHECK(canonical(res.code), "accepted code %.18s is not canonical", res.code);
		FUZZ_CHECK(uscc_compute_check(res.code) == res.code[USCC_LEN - 1], "accepted code %.18s fails its check", res.code);

		/* output, then input again */
		parse(res.code, USCC_LEN, &again);
		FUZZ_CHECK(again.problem == USCC_OK && memcmp(again.code, res.code, USCC_LEN) == 0,
				   "output %.18s does not read back (problem %d)", res.code, again.problem);

		/* lower case between spaces */
		len = snprintf(buf, sizeof(buf), " \t\xE3\x80\x80%.18s\xE3\x80\x80\n", res.code);
		for (int i = 0; i < len; i++)
			if (buf[i] >= 'A' && buf[i] <= 'Z')
				buf[i] += 'a' - 'A';
		parse(buf, len, &again);
		FUZZ_CHECK(again.problem == USCC_OK && memcmp(again.code, res.code, USCC_LEN) == 0,
				   "\"%s\" is not %.18s (problem %d)", buf, res.code, again.problem);
	}
	else if (res.problem >= USCC_AUTHORITY)
	{
		/* the code as sv.uscc_validate reports it (and restore mode stores it) */
		FUZZ_CHECK(canonical(res.code), "reported code %.18s is not canonical", res.code);
		parse(res.code, USCC_LEN, &again);
		FUZZ_CHECK(again.problem == res.problem && memcmp(again.code, res.code, USCC_LEN) == 0,
				   "stored %.18s reads back as problem %d, not %d", res.code, again.problem, res.problem);
		if (res.problem == USCC_CHECK_CHARACTER)
		{
			char		fixed[USCC_LEN];

			memcpy(fixed, res.code, USCC_LEN);
			fixed[USCC_LEN - 1] = uscc_compute_check(fixed);
			FUZZ_CHECK(fixed[USCC_LEN - 1] != res.code[USCC_LEN - 1], "check character %c reported wrong", fixed[USCC_LEN - 1]);
			parse(fixed, USCC_LEN, &again);
			FUZZ_CHECK(again.problem == USCC_OK, "%.18s with its check character: problem %d", fixed, again.problem);
		}
	}
	return 0;
}
