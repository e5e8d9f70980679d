#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return errno;
	return 0;
}

int set_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
		return errno;
	return 0;
}

int close_fd(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		/* Linux frees the descriptor even when close() reports EINTR or EIO: never retry it. */
		close(fd);
		errno = saved;
	}
	return -1;
}

int listen_unix(const char *path, int backlog, int *fd)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof addr.sun_path)
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	/* A socket file left by an earlier run (its monitor was killed). ENOENT is the usual case; any other
	 * failure shows up as bind()'s EADDRINUSE. */
	unlink(path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return errno;
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, backlog) < 0) {
		int e = errno;
		close_fd(s);
		return e;
	}
	*fd = s;
	return 0;
}
