/* sasl.c - the client side of SASL mechanisms. */
#include <string.h>

#include <openssl/crypto.h>

#include "b64.h"
#include "sasl.h"

int
sasl_plain(const char *authzid, size_t zlen, const char *user, size_t ulen,
    const char *pass, size_t plen, struct buf *out)
{
	struct buf	 raw = BUF_INIT;
	int		 rc = -1;

	if (authzid == NULL)
		zlen = 0;
	if ((zlen && memchr(authzid, '\0', zlen)) || memchr(user, '\0', ulen) ||
	    memchr(pass, '\0', plen))
		return -2;
	if (buf_append(&raw, authzid, zlen) == 0 && buf_append(&raw, "", 1) == 0 &&
	    buf_append(&raw, user, ulen) == 0 && buf_append(&raw, "", 1) == 0 &&
	    buf_append(&raw, pass, plen) == 0)
		rc = b64_encode(raw.p, raw.len, out);
	if (raw.p != NULL)
		OPENSSL_cleanse(raw.p, raw.len);	/* the password was in it */
	buf_free(&raw);
	return rc;
}
