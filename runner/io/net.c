/* net.c - socket helpers. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/net.h"

int
net_connect_start(const struct sockaddr *sa, socklen_t salen, int *in_progress,
    char *err, size_t errlen)
{
	int	 fd, one = 1, e;

	*in_progress = 0;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		e = errno;
		snprintf(err, errlen, "socket: %s", strerror(e));
		return -1;
	}
	/* Commands are small and each is awaited: don't let Nagle hold them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, sa, salen) == 0)
		return fd;
	if (errno == EINPROGRESS) {
		*in_progress = 1;
		return fd;
	}
	e = errno;
	snprintf(err, errlen, "%s", strerror(e));
	close(fd);
	return -1;
}

int
net_connect_finish(int fd, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(int), slen = sizeof(ss);
	int			 soerr = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr != 0) {
		snprintf(err, errlen, "%s", strerror(soerr));
		return -1;
	}
	/* SO_ERROR is 0 both when connected and while still connecting. */
	if (getpeername(fd, (struct sockaddr *)&ss, &slen) == 0)
		return 1;
	if (errno == ENOTCONN)
		return 0;
	soerr = errno;
	snprintf(err, errlen, "%s", strerror(soerr));
	return -1;
}

void
net_addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void	*a;

	if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "?");
}

int
net_quickack(int fd)
{
#ifdef TCP_QUICKACK
	int	 on = 1;

	return setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#else
	(void)fd;
	return -1;
#endif
}
