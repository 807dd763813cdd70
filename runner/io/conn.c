/* conn.c - one connected socket on the event loop. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/conn.h"

static void
on_io(void *arg, uint32_t events)
{
	struct conn	*c = arg;

	(void)events;
	if (c->waiter != NULL && c->wake != NULL)
		c->wake(c->waiter);
}

void
conn_init(struct conn *c, struct loop *lp, const struct transport *tp,
    struct transcript *tr, size_t line_max)
{
	memset(c, 0, sizeof(*c));
	c->io.fd = -1;
	c->io.fn = on_io;
	c->io.arg = c;
	c->lp = lp;
	c->tp = tp;
	c->tr = tr;
	lb_init(&c->in, line_max);
}

int
conn_attach(struct conn *c, int fd)
{
	int	 e;

	c->io.fd = fd;
	if (loop_add(c->lp, &c->io) == -1) {
		e = errno;
		snprintf(c->err, sizeof(c->err), "epoll: %s", strerror(e));
		c->io.fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

int
conn_is_open(const struct conn *c)
{
	return c->io.fd >= 0;
}

enum conn_status
conn_fill(struct conn *c)
{
	char		*p;
	size_t		 avail, got;
	enum tp_status	 st;

	if (c->io.fd < 0) {
		snprintf(c->err, sizeof(c->err), "connection is closed");
		return CONN_ERR;
	}
	if (c->eof)
		return CONN_EOF;
	if (lb_space(&c->in, &p, &avail) == LB_NOMEM) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return CONN_ERR;
	}
	st = c->tp->read(c, p, avail, &got);
	switch (st) {
	case TP_OK:
		lb_commit(&c->in, got);
		return CONN_OK;
	case TP_EOF:
		c->eof = 1;
		return CONN_EOF;
	case TP_WANT_READ:
	case TP_WANT_WRITE:
		c->want = (int)st;
		return CONN_AGAIN;
	default:
		return CONN_ERR;
	}
}

int
conn_queue(struct conn *c, const void *p, size_t n)
{
	return buf_append(&c->out, p, n);
}

enum conn_status
conn_flush(struct conn *c)
{
	size_t		 put;
	enum tp_status	 st;

	if (c->io.fd < 0) {
		snprintf(c->err, sizeof(c->err), "connection is closed");
		return CONN_ERR;
	}
	while (c->out_off < c->out.len) {
		st = c->tp->write(c, c->out.p + c->out_off, c->out.len - c->out_off, &put);
		if (st == TP_OK) {
			c->out_off += put;
			continue;
		}
		if (st == TP_WANT_READ || st == TP_WANT_WRITE) {
			c->want = (int)st;
			return CONN_AGAIN;
		}
		return CONN_ERR;
	}
	c->out.len = c->out_off = 0;
	return CONN_OK;
}

void
conn_close(struct conn *c)
{
	if (c->io.fd >= 0) {
		c->tp->close(c);
		if (c->tls != NULL && c->tls_free != NULL)	/* mid-handshake */
			c->tls_free(c);
		loop_del(c->lp, &c->io);
		close(c->io.fd);
		c->io.fd = -1;
	}
	lb_free(&c->in);
	buf_free(&c->out);
	c->out_off = 0;
	if (c->waiter != NULL && c->wake != NULL)
		c->wake(c->waiter);
}
