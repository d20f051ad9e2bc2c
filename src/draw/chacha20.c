/*
 * chacha20.c: ChaCha20 (RFC 8439), the random source of the double-random draw.
 *
 * Only the block function and a keystream reader are needed: the draw never encrypts.  A
 * cipher keyed by a published seed gives a stream anyone can recompute, unlike random() or an
 * unseeded generator.  sv.chacha20_block exposes the block function so that it can be checked
 * against the RFC's test vectors (sql/draw.sql).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "draw/chacha20.h"

#define ROTL32(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

#define QUARTERROUND(a, b, c, d) \
	do { \
		a += b; d ^= a; d = ROTL32(d, 16); \
		c += d; b ^= c; b = ROTL32(b, 12); \
		a += b; d ^= a; d = ROTL32(d, 8); \
		c += d; b ^= c; b = ROTL32(b, 7); \
	} while (0)

static inline uint32
load_le32(const uint8 *p)
{
	return (uint32) p[0] | ((uint32) p[1] << 8) | ((uint32) p[2] << 16) | ((uint32) p[3] << 24);
}

static inline void
store_le32(uint8 *p, uint32 v)
{
	p[0] = (uint8) v;
	p[1] = (uint8) (v >> 8);
	p[2] = (uint8) (v >> 16);
	p[3] = (uint8) (v >> 24);
}

void
chacha20_block(const uint8 key[CHACHA20_KEY_BYTES], uint32 counter,
			   const uint8 nonce[CHACHA20_NONCE_BYTES], uint8 out[CHACHA20_BLOCK_BYTES])
{
	uint32		state[16];
	uint32		x[16];
	int			i;

	/* "expand 32-byte k" */
	state[0] = 0x61707865;
	state[1] = 0x3320646e;
	state[2] = 0x79622d32;
	state[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		state[4 + i] = load_le32(key + 4 * i);
	state[12] = counter;
	for (i = 0; i < 3; i++)
		state[13 + i] = load_le32(nonce + 4 * i);

	memcpy(x, state, sizeof(x));
	for (i = 0; i < 10; i++)
	{
		/* column rounds */
		QUARTERROUND(x[0], x[4], x[8], x[12]);
		QUARTERROUND(x[1], x[5], x[9], x[13]);
		QUARTERROUND(x[2], x[6], x[10], x[14]);
		QUARTERROUND(x[3], x[7], x[11], x[15]);
		/* diagonal rounds */
		QUARTERROUND(x[0], x[5], x[10], x[15]);
		QUARTERROUND(x[1], x[6], x[11], x[12]);
		QUARTERROUND(x[2], x[7], x[8], x[13]);
		QUARTERROUND(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++)
		store_le32(out + 4 * i, x[i] + state[i]);
}

void
chacha_stream_init(ChaChaStream *s, const uint8 key[CHACHA20_KEY_BYTES])
{
	memcpy(s->key, key, CHACHA20_KEY_BYTES);
	s->counter = 0;
	s->used = CHACHA20_BLOCK_BYTES;		/* nothing generated yet */
	s->words = 0;
}

void
chacha_stream_skip(ChaChaStream *s, uint64 words)
{
	static const uint8 zero_nonce[CHACHA20_NONCE_BYTES] = {0};
	uint64		block = words / (CHACHA20_BLOCK_BYTES / 4);

	if (block >= PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the draw's random stream is exhausted")));
	s->counter = (uint32) block;
	s->used = CHACHA20_BLOCK_BYTES;
	s->words = words;
	if (words % (CHACHA20_BLOCK_BYTES / 4) != 0)
	{
		chacha20_block(s->key, s->counter++, zero_nonce, s->block);
		s->used = (int) (words % (CHACHA20_BLOCK_BYTES / 4)) * 4;
	}
}

uint32
chacha_stream_u32(ChaChaStream *s)
{
	static const uint8 zero_nonce[CHACHA20_NONCE_BYTES] = {0};
	uint32		v;

	if (s->used == CHACHA20_BLOCK_BYTES)
	{
		/* 2^32 blocks are 256 GiB of stream: no draw comes near it */
		if (s->counter == PG_UINT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the draw's random stream is exhausted")));
		chacha20_block(s->key, s->counter++, zero_nonce, s->block);
		s->used = 0;
	}
	v = load_le32(s->block + s->used);
	s->used += 4;
	s->words++;
	return v;
}

uint32
chacha_stream_below(ChaChaStream *s, uint32 n)
{
	/* accept x < limit, the largest multiple of n that fits in 2^32: every residue equally likely */
	uint64		limit = ((uint64) 1 << 32) - (((uint64) 1 << 32) % n);

	for (;;)
	{
		uint32		x = chacha_stream_u32(s);

		if ((uint64) x < limit)
			return x % n;
	}
}

/*
 * sv.chacha20_block(key bytea, counter int, nonce bytea) returns bytea: the 64-byte block.
 * The counter is a 32-bit unsigned value; SQL int is signed, so negative values stand for
 * counters of 2^31 and above (as their two's complement).
 */
PG_FUNCTION_INFO_V1(sv_chacha20_block);
Datum
sv_chacha20_block(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	int32		counter = PG_GETARG_INT32(1);
	bytea	   *nonce = PG_GETARG_BYTEA_PP(2);
	bytea	   *result;

	if (VARSIZE_ANY_EXHDR(key) != CHACHA20_KEY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key must be %d bytes, not %d", CHACHA20_KEY_BYTES, (int) VARSIZE_ANY_EXHDR(key))));
	if (VARSIZE_ANY_EXHDR(nonce) != CHACHA20_NONCE_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nonce must be %d bytes, not %d", CHACHA20_NONCE_BYTES, (int) VARSIZE_ANY_EXHDR(nonce))));

	result = (bytea *) palloc(VARHDRSZ + CHACHA20_BLOCK_BYTES);
	SET_VARSIZE(result, VARHDRSZ + CHACHA20_BLOCK_BYTES);
	chacha20_block((const uint8 *) VARDATA_ANY(key), (uint32) counter,
				   (const uint8 *) VARDATA_ANY(nonce), (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/*
 * sv._draw_stream_below(seed bytea, at_word bigint, n int, OUT value int, OUT words bigint):
 * below(n) read from the draw's stream starting at word at_word; words = how many were read.
 * Recusal replacements continue a draw's stream one decision at a time.
 */
PG_FUNCTION_INFO_V1(sv_draw_stream_below);
Datum
sv_draw_stream_below(PG_FUNCTION_ARGS)
{
	bytea	   *seed = PG_GETARG_BYTEA_PP(0);
	int64		at = PG_GETARG_INT64(1);
	int32		n = PG_GETARG_INT32(2);
	ChaChaStream stream;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	uint32		v;

	if (VARSIZE_ANY_EXHDR(seed) != CHACHA20_KEY_BYTES || at < 0 || n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seed must be %d bytes, at_word 0 or more and n 1 or more", CHACHA20_KEY_BYTES)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	chacha_stream_init(&stream, (const uint8 *) VARDATA_ANY(seed));
	chacha_stream_skip(&stream, (uint64) at);
	v = chacha_stream_below(&stream, (uint32) n);
	values[0] = Int32GetDatum((int32) v);
	values[1] = Int64GetDatum((int64) (stream.words - (uint64) at));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
