/* resolve.c - host name resolution that does not block the event loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/loop.h"
#include "io/resolve.h"

struct resolve_req {
	struct gaicb	 cb;		/* first: glibc's view of the request */
	struct addrinfo	 hints;
	struct addrinfo	*numeric;	/* result of the immediate path */
	char		*host;
	char		*port;
	resolve_fn	*fn;
	void		*arg;
	int		 async;		/* submitted to getaddrinfo_a */
	int		 finished;	/* the completion notice was processed */
	int		 orphan;	/* abandoned by its owner while running */
	int		 rc;		/* gai error code */
	int		 wfd;		/* its loop's pipe (notify's thread has no R) */
};

/* One resolver per thread: each of load mode's threads has its own loop. */
static _Thread_local struct {
	struct loop	*lp;
	struct loop_io	 io;
	int		 wfd;
} R = { NULL, { -1, NULL, NULL }, -1 };

/* Runs on a glibc helper thread: only hands the pointer to the loop. */
static void
notify(union sigval sv)
{
	struct resolve_req	*req = sv.sival_ptr;
	ssize_t			 w;

	do
		w = write(req->wfd, &req, sizeof(req));
	while (w == -1 && errno == EINTR);
}

static void
on_pipe(void *arg, uint32_t events)
{
	struct resolve_req	*req;
	ssize_t			 r;

	(void)arg;
	(void)events;
	while ((r = read(R.io.fd, &req, sizeof(req))) == (ssize_t)sizeof(req)) {
		req->finished = 1;
		req->rc = gai_error(&req->cb);
		if (req->orphan) {
			req->orphan = 0;
			resolve_free(req);
		} else
			req->fn(req->arg);
	}
}

int
resolve_init(struct loop *lp)
{
	int	 p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	R.lp = lp;
	R.io.fd = p[0];
	R.io.fn = on_pipe;
	R.io.arg = NULL;
	R.wfd = p[1];
	if (loop_add(lp, &R.io) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	return 0;
}

void
resolve_shutdown(void)
{
	if (R.lp == NULL)
		return;
	loop_del(R.lp, &R.io);
	close(R.io.fd);
	close(R.wfd);
	R.lp = NULL;
}

static void
req_free_fields(struct resolve_req *req)
{
	if (req->numeric)
		freeaddrinfo(req->numeric);
	if (req->cb.ar_result)
		freeaddrinfo(req->cb.ar_result);
	free(req->host);
	free(req->port);
	free(req);
}

struct resolve_req *
resolve_start(const char *host, const char *port, resolve_fn *fn, void *arg,
    int *done, char *err, size_t errlen)
{
	struct resolve_req	*req;
	struct gaicb		*list[1];
	struct sigevent		 sev;
	unsigned char		 tmp[sizeof(struct in6_addr)];
	int			 rc;

	*done = 0;
	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (req->host = strdup(host)) == NULL || (req->port = strdup(port)) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (req)
			req_free_fields(req);
		return NULL;
	}
	req->fn = fn;
	req->arg = arg;
	req->hints.ai_socktype = SOCK_STREAM;
	req->hints.ai_protocol = IPPROTO_TCP;
	req->hints.ai_flags = AI_NUMERICSERV;

	if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1) {
		req->hints.ai_flags |= AI_NUMERICHOST;
		req->rc = getaddrinfo(host, port, &req->hints, &req->numeric);
		req->finished = 1;
		*done = 1;
		return req;
	}
	if (R.lp == NULL) {
		snprintf(err, errlen, "resolver not initialised");
		req_free_fields(req);
		return NULL;
	}
	req->wfd = R.wfd;
	req->hints.ai_flags |= AI_ADDRCONFIG;
	req->cb.ar_name = req->host;
	req->cb.ar_service = req->port;
	req->cb.ar_request = &req->hints;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_value.sival_ptr = req;
	sev.sigev_notify_function = notify;
	list[0] = &req->cb;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev)) != 0) {
		snprintf(err, errlen, "cannot start resolving %s: %s", host, gai_strerror(rc));
		req_free_fields(req);
		return NULL;
	}
	req->async = 1;
	return req;
}

int
resolve_finished(const struct resolve_req *req)
{
	return req->finished;
}

struct addrinfo *
resolve_result(struct resolve_req *req, const char **err)
{
	if (req->rc != 0) {
		/* EAI_SYSTEM's errno belongs to glibc's helper thread: not ours. */
		*err = req->rc == EAI_SYSTEM ? "system error while resolving" :
		    gai_strerror(req->rc);
		return NULL;
	}
	return req->numeric ? req->numeric : req->cb.ar_result;
}

void
resolve_free(struct resolve_req *req)
{
	if (req == NULL)
		return;
	if (req->async && !req->finished) {
		/* Still running: cancel, or leave it for on_pipe to free. */
		if (gai_cancel(&req->cb) == EAI_CANCELED) {
			req_free_fields(req);
			return;
		}
		req->orphan = 1;
		return;
	}
	req_free_fields(req);
}
