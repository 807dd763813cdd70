/*
 * resolve.h - host name resolution that does not block the event loop.
 *
 * Numeric addresses are converted at once. Names go to glibc's
 * getaddrinfo_a(); its completion notice travels through a pipe watched by
 * the loop, and the request's callback runs from the loop like any other
 * event. A request abandoned before it completes (a deadline passed) is
 * cancelled, or freed when its late notice arrives.
 */
#ifndef SMTPRUN_RESOLVE_H
#define SMTPRUN_RESOLVE_H

#include <netdb.h>

struct loop;
struct resolve_req;

typedef void resolve_fn(void *arg);

/* One per loop. Returns 0, or -1 with errno. */
int	resolve_init(struct loop *lp);
void	resolve_shutdown(void);

/*
 * Starts resolving host/port (TCP). If it completes at once (numeric host),
 * *done is set to 1 and fn is not called. Otherwise fn(arg) runs from the
 * loop later. Returns the request, or NULL with a message in err.
 */
struct resolve_req *resolve_start(const char *host, const char *port, resolve_fn *fn,
	    void *arg, int *done, char *err, size_t errlen);
/* True once the result is in. */
int	resolve_finished(const struct resolve_req *req);
/* After completion: the address list (owned by req), or NULL and a message. */
struct addrinfo *resolve_result(struct resolve_req *req, const char **err);
/* Frees a completed request, or abandons one still running. */
void	resolve_free(struct resolve_req *req);

#endif
