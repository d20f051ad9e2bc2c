/*
 * fuzz/population.c: libFuzzer target for the draw's population formats
 * (src/draw/population_codec.c).
 *
 * The first input byte chooses what the rest is read as:
 *   even: population bytes, as the verification reads them (sv._draw_population_sizes):
 *         population_sizes() must accept exactly what an independent reading of
 *         docs/draw-protocol.md section 1 accepts (whole 21-byte lines "<18 bytes>,<stratum>\n",
 *         strata A, B, C, D, U in that order, codes strictly ascending within one), with the
 *         same sizes;
 *   odd:  a run as a parallel worker sends it: reading must end in the run's error (never a
 *         crash or a read past the bytes); a run that reads is encoded again, after sorting,
 *         and reads back as the same keys (the worker -> leader round trip).
 */
#include "postgres.h"

#include <string.h>

#include "draw/population.h"

#include "shim.h"

static bool
oracle_sizes(const uint8_t *p, size_t len, int32 *sizes)
{
	const char *strata = "ABCDU";
	int			prev = -1;
	const uint8_t *prev_code = NULL;

	if (len % 21 != 0)
		return false;
	for (size_t i = 0; i < len; i += 21)
	{
		const uint8_t *line = p + i;
		int			s = -1;

		for (int k = 0; k < 5; k++)
			if (line[19] == (uint8_t) strata[k])
				s = k;
		if (line[18] != ',' || line[20] != '\n' || s < 0 || s < prev)
			return false;
		if (s == prev && memcmp(prev_code, line, 18) >= 0)
			return false;
		prev = s;
		prev_code = line;
		sizes[s]++;
	}
	return true;
}

static int
key_cmp(const void *a, const void *b)
{
	Key			x = *(const Key *) a,
				y = *(const Key *) b;

	return x < y ? -1 : x > y;
}

static void
run_round_trip(const uint8_t *data, size_t size)
{
	const char *p = (const char *) data;
	const char *end = p + size;
	int64		n = 0;
	Key		   *keys;
	Key		   *again;
	char	   *enc;
	Size		enclen;
	bool		ok;

	if (!FUZZ_TRY(n = population_run_count(p, end)))
	{
		FUZZ_CHECK(fuzz_error_sqlstate == ERRCODE_INTERNAL_ERROR, "count: %s", fuzz_error_message);
		return;
	}
	FUZZ_CHECK(n >= 0 && n <= (int64) size / 2, "count %lld for %zu bytes", (long long) n, size);
	keys = malloc(sizeof(Key) * (n + 1));
	ok = FUZZ_TRY(population_run_decode(p, end, keys, n));
	if (!ok)
	{
		FUZZ_CHECK(fuzz_error_sqlstate == ERRCODE_INTERNAL_ERROR &&
				   strstr(fuzz_error_message, "truncated or malformed run") != NULL, "decode: %s", fuzz_error_message);
		free(keys);
		return;
	}

	/* as the worker does: sorted, then encoded; the leader reads the same keys */
	qsort(keys, n, sizeof(Key), key_cmp);
	enc = malloc(sizeof(int64) + n * MAX_ENCODED_KEY);
	enclen = population_run_encode(keys, n, enc);
	FUZZ_CHECK(enclen <= sizeof(int64) + n * MAX_ENCODED_KEY, "encoded %zu bytes for %lld keys", enclen, (long long) n);
	again = malloc(sizeof(Key) * (n + 1));
	FUZZ_CHECK(FUZZ_TRY(FUZZ_CHECK(population_run_count(enc, enc + enclen) == n, "count changed");
						population_run_decode(enc, enc + enclen, again, n)),
			   "re-encoded run does not read: %s", fuzz_error_message);
	for (int64 i = 0; i < n; i++)
		FUZZ_CHECK(again[i] == keys[i], "key %lld changed", (long long) i);
	free(again);
	free(enc);
	free(keys);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 16)
		return -1;
	if ((data[0] & 1) == 0)
	{
		int32		sizes[5] = {0},
					osizes[5] = {0};
		bool		ok = population_sizes((const char *) data + 1, (int64) size - 1, sizes),
					ook = oracle_sizes(data + 1, size - 1, osizes);

		FUZZ_CHECK(ok == ook, "population of %zu bytes: %s, oracle %s", size - 1,
				   ok ? "accepted" : "refused", ook ? "accepted" : "refused");
		if (ok)
			FUZZ_CHECK(memcmp(sizes, osizes, sizeof(sizes)) == 0, "sizes differ");
	}
	else
		run_round_trip(data + 1, size - 1);
	return 0;
}
