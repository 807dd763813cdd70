/*
 * net.h - socket helpers: nonblocking connect in two halves, and addresses
 * formatted for messages. Errors are written into a caller's buffer with
 * strerror(errno) taken first (the anet way).
 */
#ifndef SMTPRUN_NET_H
#define SMTPRUN_NET_H

#include <stddef.h>
#include <sys/socket.h>

/* Starts connecting a new nonblocking socket. Returns the fd and sets
 * *in_progress when the connection is not yet established; -1 on error. */
int	net_connect_start(const struct sockaddr *sa, socklen_t salen, int *in_progress,
	    char *err, size_t errlen);
/* Checks a connect in progress: 1 connected, 0 still in progress, -1 failed
 * (with the reason). */
int	net_connect_finish(int fd, char *err, size_t errlen);
/* TCP_QUICKACK on: ACK what arrives at once rather than delayed (Linux;
 * the kernel may leave the mode again later). Returns 0, or -1 where it
 * cannot be set (not TCP, another system): nothing is lost then. */
int	net_quickack(int fd);
/* "127.0.0.1" or "::1" (no port). */
void	net_addr_str(const struct sockaddr *sa, char *out, size_t outlen);

#endif
