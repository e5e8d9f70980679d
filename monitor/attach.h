/*
 * `docker run -i`: the container's stdin is a pipe we hold, fed from a unix socket. Every byte a client
 * writes goes to the container's stdin; when a client closes its write side, the container's stdin is
 * closed (so `cat` ends) and later clients are turned away. The socket exists while the container runs.
 *
 * Backpressure: one fixed buffer. A client is read only when the buffer is empty, and the buffer empties
 * only as fast as the container reads its stdin, so a fast client waits in its own socket buffer.
 */
#ifndef TSENGINE_MONITOR_ATTACH_H
#define TSENGINE_MONITOR_ATTACH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

/* More clients at once are turned away. */
#define ATTACH_MAX_CLIENTS 16
#define ATTACH_BUFFER (16 * 1024)
/* What attach_pollfds() may fill in. */
#define ATTACH_MAX_POLLFDS (2 + ATTACH_MAX_CLIENTS)

struct attach {
	/* The listening socket, or -1 (none, or closed). */
	int listen_fd;
	/* The socket file we bound, removed on close; NULL when none. */
	const char *path;
	/* Our (non-blocking) write end of the container's stdin pipe, or -1 once closed. */
	int stdin_fd;
	int clients[ATTACH_MAX_CLIENTS];
	size_t nclients;
	/* A client ended its input: the container's stdin closes once the buffer is written. */
	bool closing;
	size_t off, len;
	char buf[ATTACH_BUFFER];
};

void attach_init(struct attach *a);
/* Listens on path, before the runtime starts, so that a failure costs no running container and a client
 * that got `started` can always connect. Returns 0 or an errno. */
int attach_listen(struct attach *a, const char *path);
/* Adopts the container's stdin (our write end of its pipe). */
void attach_feed(struct attach *a, int stdin_fd);
/* Fills fds with what to wait for; returns how many (at most ATTACH_MAX_POLLFDS). */
size_t attach_pollfds(const struct attach *a, struct pollfd *fds);
/* Acts on the revents of the entries attach_pollfds() filled in. */
void attach_handle(struct attach *a, const struct pollfd *fds, size_t n);
/* Stops listening, removes the socket file, lets go of clients and of the container's stdin. */
void attach_close(struct attach *a);

#endif
