/*
 * chacha20.h: the ChaCha20 block function (RFC 8439 section 2.3) and a keystream reader.
 */
#ifndef SV_CHACHA20_H
#define SV_CHACHA20_H

#include "c.h"

#define CHACHA20_KEY_BYTES 32
#define CHACHA20_NONCE_BYTES 12
#define CHACHA20_BLOCK_BYTES 64

/* One 64-byte block for a 256-bit key, a 32-bit block counter and a 96-bit nonce. */
extern void chacha20_block(const uint8 key[CHACHA20_KEY_BYTES], uint32 counter,
						   const uint8 nonce[CHACHA20_NONCE_BYTES],
						   uint8 out[CHACHA20_BLOCK_BYTES]);

/*
 * The draw's random stream: the keystream for the key and an all-zero nonce, blocks 0, 1, 2, ...
 * read as consecutive little-endian 32-bit words (docs/draw-protocol.md).
 */
typedef struct ChaChaStream
{
	uint8		key[CHACHA20_KEY_BYTES];
	uint32		counter;		/* the next block to generate */
	uint8		block[CHACHA20_BLOCK_BYTES];
	int			used;			/* bytes of block already read */
	uint64		words;			/* words read so far (for the export) */
} ChaChaStream;

extern void chacha_stream_init(ChaChaStream *s, const uint8 key[CHACHA20_KEY_BYTES]);
extern uint32 chacha_stream_u32(ChaChaStream *s);
/* Continue a stream where an earlier stage stopped: skip its first `words` words. */
extern void chacha_stream_skip(ChaChaStream *s, uint64 words);
/* A uniform integer in [0, n), n >= 1, by rejection: no modulo bias. */
extern uint32 chacha_stream_below(ChaChaStream *s, uint32 n);

#endif
