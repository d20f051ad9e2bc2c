/*
 * population_codec.c: the byte formats of a draw's population (population.h): reading the
 * population lines back, and the sorted runs a parallel worker sends to the leader.
 *
 * No memory allocation, no catalog access: population.c calls these with buffers it owns, and
 * the fuzz target fuzz/population.c runs them without a server.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "draw/population.h"

bool
population_sizes(const char *p, int64 len, int32 *sizes)
{
	static const char strata[] = "ABCDU";
	int			prev_stratum = -1;

	if (len % SV_POPULATION_LINE_LEN != 0)
		return false;
	for (int64 i = 0; i < len; i += SV_POPULATION_LINE_LEN)
	{
		const char *s = memchr(strata, p[i + SV_POPULATION_LINE_STRATUM], 5);

		if ((i / SV_POPULATION_LINE_LEN) % SV_DRAW_INTERRUPT_EVERY == 0)
			CHECK_FOR_INTERRUPTS();
		if (p[i + SV_POPULATION_LINE_SEP] != ',' || p[i + SV_POPULATION_LINE_END] != '\n' || s == NULL)
			return false;
		/* in protocol order, each line once: strata A..U, codes strictly ascending within one */
		if ((s - strata) < prev_stratum ||
			((s - strata) == prev_stratum && memcmp(p + i - SV_POPULATION_LINE_LEN, p + i, USCC_LEN) >= 0))
			return false;
		prev_stratum = (int) (s - strata);
		sizes[s - strata]++;
	}
	return true;
}

/*
 * A sorted run travels from worker to leader delta-encoded: per key the difference of its code
 * part from the previous key's, then its low 38 bits (kind and value), each as a varint (7 bits
 * a byte).  The codes of a city are close together, so a key takes 4 to 10 bytes instead of 16,
 * and the leader has less to receive and copy.  The count comes first.
 */
static inline char *
varint_put(char *p, Key v)
{
	while (v >= 0x80)
	{
		*p++ = (char) ((uint8) v | 0x80);
		v >>= 7;
	}
	*p++ = (char) (uint8) v;
	return p;
}

static inline const char *
varint_get(const char *p, const char *end, Key *v)
{
	Key			x = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		b;

		if (p >= end || shift > 126)
			elog(ERROR, "sv._draw_population_deserialize: truncated or malformed run");
		b = (uint8) *p++;
		x |= (Key) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
			break;
		shift += 7;
	}
	*v = x;
	return p;
}

Size
population_run_encode(const Key *keys, int64 n, char *out)
{
	char	   *p = out;
	Key			prev = 0;

	memcpy(p, &n, sizeof(int64));
	p += sizeof(int64);
	for (int64 i = 0; i < n; i++)
	{
		SV_DRAW_CHECK_INTERRUPTS(i);
		p = varint_put(p, KEY_CODE(keys[i]) - prev);
		p = varint_put(p, keys[i] & KEY_LOW_MASK);
		prev = KEY_CODE(keys[i]);
	}
	return (Size) (p - out);
}

int64
population_run_count(const char *p, const char *end)
{
	int64		n;

	if (end - p < (long) sizeof(int64))
		elog(ERROR, "sv._draw_population_deserialize: truncated or malformed run");
	memcpy(&n, p, sizeof(int64));
	p += sizeof(int64);
	if (n < 0 || n > (end - p) / 2)
		elog(ERROR, "sv._draw_population_deserialize: truncated or malformed run");
	return n;
}

void
population_run_decode(const char *p, const char *end, Key *keys, int64 n)
{
	Key			code = 0;

	p += sizeof(int64);			/* the count, read by population_run_count */
	for (int64 i = 0; i < n; i++)
	{
		Key			delta,
					low;

		SV_DRAW_CHECK_INTERRUPTS(i);
		p = varint_get(p, end, &delta);
		p = varint_get(p, end, &low);
		code += delta;
		keys[i] = (code << KEY_CODE_SHIFT) | (low & KEY_LOW_MASK);
	}
}
