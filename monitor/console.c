#include "console.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "io.h"

/* The runtime sends the master right after connecting: how long we wait for the message once connected. */
#define RECEIVE_TIMEOUT_MS 5000

void console_init(struct console *c, unsigned short rows, unsigned short cols)
{
	c->listen_fd = -1;
	c->path = NULL;
	c->master = -1;
	c->rows = rows;
	c->cols = cols;
}

int console_listen(struct console *c, const char *path)
{
	int e = listen_unix(path, 1, &c->listen_fd);
	if (e == 0)
		c->path = path;
	return e;
}

static void stop_listening(struct console *c)
{
	if (c->listen_fd < 0)
		return;
	c->listen_fd = close_fd(c->listen_fd);
	/* ENOENT: removed already; nothing else to do about a failure. */
	unlink(c->path);
}

/* The first fd in an SCM_RIGHTS message on conn, or -1. Closes any others sent along. */
static int receive_fd(int conn)
{
	struct pollfd p = {.fd = conn, .events = POLLIN};
	int r;
	while ((r = poll(&p, 1, RECEIVE_TIMEOUT_MS)) < 0 && errno == EINTR) {
	}
	if (r <= 0)
		return -1;
	char data[256];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
	ssize_t n;
	while ((n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
	}
	if (n < 0)
		return -1;
	int fd = -1;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h != NULL; h = CMSG_NXTHDR(&msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int got;
			memcpy(&got, CMSG_DATA(h) + i * sizeof(int), sizeof got);
			if (fd < 0)
				fd = got;
			else
				close_fd(got);
		}
	}
	return fd;
}

int console_receive(struct console *c)
{
	int conn;
	while ((conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR) {
	}
	if (conn < 0)
		return -1; /* EAGAIN: a spurious wake-up; the runtime's connection is still to come */
	int fd = receive_fd(conn);
	close_fd(conn);
	/* One runtime, one connection: whatever happened, nobody else may hand us a terminal. */
	stop_listening(c);
	if (fd < 0)
		return -1;
	if (set_nonblocking(fd) != 0) {
		close_fd(fd);
		return -1;
	}
	if (c->rows > 0 && c->cols > 0) {
		struct winsize ws = {.ws_row = c->rows, .ws_col = c->cols};
		/* A master that is not a terminal fails here: the runtime's problem, the output is still read. */
		ioctl(fd, TIOCSWINSZ, &ws);
	}
	c->master = fd;
	return fd;
}

void console_close(struct console *c)
{
	stop_listening(c);
	c->master = close_fd(c->master);
}
