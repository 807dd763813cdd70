/* b64.c - base64 through OpenSSL's EVP encoder. */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/b64.h"

/* EVP_EncodeBlock/EVP_DecodeBlock take an int length: work in chunks that
 * are whole groups (3 bytes in, 4 out) well below INT_MAX. */
#define CHUNK_IN	(3 * 1024 * 1024)
#define CHUNK_OUT	(4 * 1024 * 1024)

int
b64_encode(const void *in, size_t n, struct buf *out)
{
	const unsigned char	*s = in;
	size_t			 k;
	int			 w;

	if (buf_reserve(out, (n + 2) / 3 * 4 + 1) == -1)
		return -1;
	while (n > 0) {
		k = n < CHUNK_IN ? n : CHUNK_IN;
		w = EVP_EncodeBlock((unsigned char *)out->p + out->len, s, (int)k);
		out->len += (size_t)w;
		s += k;
		n -= k;
	}
	return 0;
}

static int
is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

enum b64_status
b64_decode(const char *in, size_t n, struct buf *out, const char **why)
{
	size_t	 i, pad = 0, k;
	int	 w;

	if (n % 4 != 0) {
		*why = "length is not a multiple of 4";
		return B64_INVALID;
	}
	if (n > 0 && in[n - 1] == '=')
		pad = n > 1 && in[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n - pad; i++) {
		if (!is_b64((unsigned char)in[i])) {
			*why = in[i] == '=' ? "padding '=' before the end" :
			    "a character outside the base64 alphabet";
			return B64_INVALID;
		}
	}
	if (buf_reserve(out, n / 4 * 3 + 1) == -1)
		return B64_NOMEM;
	/* EVP_DecodeBlock keeps the bytes that padding stands for: drop them. */
	while (n > 0) {
		k = n < CHUNK_OUT ? n : CHUNK_OUT;
		w = EVP_DecodeBlock((unsigned char *)out->p + out->len,
		    (const unsigned char *)in, (int)k);
		if (w < 0) {
			*why = "rejected by the decoder";
			return B64_INVALID;
		}
		out->len += (size_t)w;
		in += k;
		n -= k;
	}
	out->len -= pad;
	return B64_OK;
}
