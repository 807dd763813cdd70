/* tcp.c - the plain TCP transport. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/conn.h"
#include "io/tcp.h"

static enum tp_status
tcp_read(struct conn *c, char *buf, size_t n, size_t *got)
{
	ssize_t	 r;
	int	 e;

	*got = 0;
	do
		r = read(c->io.fd, buf, n);
	while (r == -1 && errno == EINTR);
	if (r > 0) {
		*got = (size_t)r;
		return TP_OK;
	}
	if (r == 0)
		return TP_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return TP_WANT_READ;
	e = errno;
	snprintf(c->err, sizeof(c->err), "read: %s", strerror(e));
	return TP_ERROR;
}

static enum tp_status
tcp_write(struct conn *c, const char *buf, size_t n, size_t *put)
{
	ssize_t	 w;
	int	 e;

	*put = 0;
	do
		w = send(c->io.fd, buf, n, MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	if (w >= 0) {
		*put = (size_t)w;
		return TP_OK;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return TP_WANT_WRITE;
	e = errno;
	snprintf(c->err, sizeof(c->err), "write: %s", strerror(e));
	return TP_ERROR;
}

static void
tcp_close(struct conn *c)
{
	(void)c;
}

const struct transport tp_tcp = {
	"tcp", 0, tcp_read, tcp_write, tcp_close
};
