#include "attach.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"

void attach_init(struct attach *a)
{
	a->listen_fd = -1;
	a->path = NULL;
	a->stdin_fd = -1;
	a->nclients = 0;
	a->closing = false;
	a->off = a->len = 0;
}

int attach_listen(struct attach *a, const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof addr.sun_path)
		return ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	/* A socket file left by an earlier run (its monitor was killed). ENOENT is the usual case; any other
	 * failure shows up as bind()'s EADDRINUSE. */
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, ATTACH_MAX_CLIENTS) < 0) {
		int e = errno;
		close_fd(fd);
		return e;
	}
	a->listen_fd = fd;
	a->path = path;
	return 0;
}

void attach_feed(struct attach *a, int stdin_fd)
{
	a->stdin_fd = stdin_fd;
}

static void drop_clients(struct attach *a)
{
	for (size_t i = 0; i < a->nclients; i++)
		close_fd(a->clients[i]);
	a->nclients = 0;
}

static void close_stdin(struct attach *a)
{
	a->stdin_fd = close_fd(a->stdin_fd);
	a->off = a->len = 0;
	drop_clients(a);
}

static void drop_client(struct attach *a, size_t i)
{
	close_fd(a->clients[i]);
	a->clients[i] = a->clients[--a->nclients];
}

static bool accepting(const struct attach *a)
{
	return a->stdin_fd >= 0 && !a->closing;
}

/* Writes what the buffer holds, as far as the pipe takes it now. */
static void flush(struct attach *a)
{
	while (a->off < a->len) {
		ssize_t w = write(a->stdin_fd, a->buf + a->off, a->len - a->off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return; /* the container reads slower than the client writes: wait for POLLOUT */
			/* EPIPE: the container closed its stdin or exited. Nothing more can reach it. */
			close_stdin(a);
			return;
		}
		a->off += (size_t)w;
	}
	a->off = a->len = 0;
	if (a->closing)
		close_stdin(a);
}

static void accept_clients(struct attach *a)
{
	for (;;) {
		int c = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EAGAIN: no more waiting. EMFILE/ENFILE/ENOMEM: they wait in the backlog for a later try. */
			return;
		}
		if (!accepting(a) || a->nclients == ATTACH_MAX_CLIENTS) {
			close_fd(c); /* turned away: stdin is closed, or too many at once */
			continue;
		}
		a->clients[a->nclients++] = c;
	}
}

/* Reads one chunk from client i into the (empty) buffer. */
static void read_client(struct attach *a, size_t i)
{
	ssize_t n = read(a->clients[i], a->buf, sizeof a->buf);
	if (n > 0) {
		a->off = 0;
		a->len = (size_t)n;
		flush(a);
		return;
	}
	if (n == 0) {
		/* The client closed its write side: the container's input ends, for every client. */
		a->closing = true;
		drop_clients(a);
		if (a->len == 0)
			close_stdin(a);
		return;
	}
	if (errno == EINTR || errno == EAGAIN)
		return;
	/* ECONNRESET: the client went away abruptly; what it sent so far was delivered. */
	drop_client(a, i);
}

size_t attach_pollfds(const struct attach *a, struct pollfd *fds)
{
	size_t n = 0;
	if (a->listen_fd >= 0)
		fds[n++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
	if (a->stdin_fd >= 0 && a->len > 0)
		fds[n++] = (struct pollfd){.fd = a->stdin_fd, .events = POLLOUT};
	if (accepting(a) && a->len == 0)
		for (size_t i = 0; i < a->nclients; i++)
			fds[n++] = (struct pollfd){.fd = a->clients[i], .events = POLLIN};
	return n;
}

void attach_handle(struct attach *a, const struct pollfd *fds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		int fd = fds[k].fd;
		if (fds[k].revents == 0)
			continue;
		if (fd == a->listen_fd) {
			accept_clients(a);
		} else if (fd == a->stdin_fd && fds[k].events == POLLOUT) {
			flush(a);
		} else if (accepting(a) && a->len == 0) {
			/* Still one of ours? A client dropped above may have had its number reused by accept. */
			for (size_t i = 0; i < a->nclients; i++) {
				if (a->clients[i] == fd) {
					read_client(a, i);
					break;
				}
			}
		}
	}
}

void attach_close(struct attach *a)
{
	if (a->listen_fd >= 0) {
		a->listen_fd = close_fd(a->listen_fd);
		/* ENOENT: someone removed it already; nothing else to do about any failure here. */
		unlink(a->path);
	}
	close_stdin(a);
}
