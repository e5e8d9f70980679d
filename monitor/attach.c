#include "attach.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "io.h"

void attach_init(struct attach *a)
{
	a->listen_fd = -1;
	a->path = NULL;
	a->stdin_fd = -1;
	a->tty_fd = -1;
	a->input_ready = false;
	a->closing = false;
	a->nclients = 0;
	a->off = a->len = 0;
	a->out_data = NULL;
	a->out_len = 0;
}

int attach_listen(struct attach *a, const char *path)
{
	int fd;
	int e = listen_unix(path, ATTACH_MAX_CLIENTS, &fd);
	if (e != 0)
		return e;
	a->listen_fd = fd;
	a->path = path;
	return 0;
}

static size_t frame_len(const struct attach *a)
{
	return ATTACH_HEADER + a->out_len;
}

static void add_client(struct attach *a, int fd)
{
	struct attach_client *c = &a->clients[a->nclients++];
	memset(c, 0, sizeof *c);
	c->fd = fd;
	/* A client that arrives mid-chunk starts with the next one: it never sees half a frame. */
	c->sent = frame_len(a);
}

int attach_adopt(struct attach *a, int fd)
{
	int e = set_nonblocking(fd);
	if (e == 0)
		e = set_cloexec(fd);
	if (e != 0)
		return e;
	add_client(a, fd);
	return 0;
}

void attach_set_input(struct attach *a, int stdin_fd, int tty_fd)
{
	a->stdin_fd = stdin_fd;
	a->tty_fd = tty_fd;
	a->input_ready = true;
}

static void drop_client(struct attach *a, size_t i)
{
	close_fd(a->clients[i].fd);
	a->clients[i] = a->clients[--a->nclients];
}

static void close_stdin(struct attach *a)
{
	a->stdin_fd = close_fd(a->stdin_fd);
	a->off = a->len = 0;
}

/* Writes what the buffer holds, as far as the container takes it now. */
static void flush(struct attach *a)
{
	while (a->off < a->len && a->stdin_fd >= 0) {
		ssize_t w = write(a->stdin_fd, a->buf + a->off, a->len - a->off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return; /* the container reads slower than the client writes: wait for POLLOUT */
			/* EPIPE: the container closed its stdin or exited. EIO: the pty is gone. Nothing more can reach it. */
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
		if (a->nclients == ATTACH_MAX_CLIENTS) {
			close_fd(c); /* turned away: too many at once */
			continue;
		}
		add_client(a, c);
	}
}

static void resize(const struct attach *a, const unsigned char *p)
{
	if (a->tty_fd < 0)
		return;
	struct winsize ws = {.ws_row = (unsigned short)(p[0] << 8 | p[1]), .ws_col = (unsigned short)(p[2] << 8 | p[3])};
	/* EBADF/EIO: the terminal is gone with the container; nothing to resize. */
	ioctl(a->tty_fd, TIOCSWINSZ, &ws);
}

/* A frame's header is complete: false when the client breaks the protocol. */
static bool frame_begins(struct attach_client *c)
{
	uint32_t len = (uint32_t)c->header[1] << 24 | (uint32_t)c->header[2] << 16 | (uint32_t)c->header[3] << 8 | c->header[4];
	c->remaining = len;
	c->resize_len = 0;
	switch (c->header[0]) {
	case ATTACH_STDIN:
		return true;
	case ATTACH_STDIN_EOF:
		return len == 0;
	case ATTACH_RESIZE:
		return len == sizeof c->resize;
	default:
		return false;
	}
}

static void frame_ends(struct attach *a, struct attach_client *c)
{
	c->header_len = 0;
	if (c->header[0] == ATTACH_STDIN_EOF && a->stdin_fd >= 0)
		a->closing = true;
	else if (c->header[0] == ATTACH_RESIZE)
		resize(a, c->resize);
}

/* Parses what one read brought; stdin payload goes into the (empty, large enough) buffer. */
static bool parse(struct attach *a, struct attach_client *c, const unsigned char *p, size_t n)
{
	while (n > 0) {
		if (c->header_len < ATTACH_HEADER) {
			size_t take = ATTACH_HEADER - c->header_len < n ? ATTACH_HEADER - c->header_len : n;
			memcpy(c->header + c->header_len, p, take);
			c->header_len += take;
			p += take;
			n -= take;
			if (c->header_len < ATTACH_HEADER)
				return true;
			if (!frame_begins(c))
				return false;
		} else {
			size_t take = c->remaining < n ? c->remaining : n;
			if (c->header[0] == ATTACH_STDIN && a->stdin_fd >= 0 && !a->closing) {
				memcpy(a->buf + a->len, p, take);
				a->len += take;
			} else if (c->header[0] == ATTACH_RESIZE) {
				memcpy(c->resize + c->resize_len, p, take);
				c->resize_len += take;
			}
			c->remaining -= (uint32_t)take;
			p += take;
			n -= take;
		}
		if (c->header_len == ATTACH_HEADER && c->remaining == 0)
			frame_ends(a, c);
	}
	return true;
}

/* Reads one chunk from client i (the stdin buffer is empty). */
static void read_client(struct attach *a, size_t i)
{
	static unsigned char in[ATTACH_BUFFER];
	ssize_t n = read(a->clients[i].fd, in, sizeof in);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	/* 0: the client detached. An error (ECONNRESET): it went away abruptly. What it sent was delivered. */
	if (n <= 0 || !parse(a, &a->clients[i], in, (size_t)n)) {
		drop_client(a, i);
		return;
	}
	a->off = 0;
	flush(a);
}

/* Writes as much of the current output frame to client i as it takes now; false when it is gone. */
static bool send_output(struct attach *a, struct attach_client *c)
{
	while (c->sent < frame_len(a)) {
		struct iovec iov[2];
		int n = 0;
		if (c->sent < ATTACH_HEADER)
			iov[n++] = (struct iovec){.iov_base = a->out_header + c->sent, .iov_len = ATTACH_HEADER - c->sent};
		size_t data_off = c->sent > ATTACH_HEADER ? c->sent - ATTACH_HEADER : 0;
		if (a->out_len > data_off)
			iov[n++] = (struct iovec){.iov_base = (void *)(a->out_data + data_off), .iov_len = a->out_len - data_off};
		ssize_t w = writev(c->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN; /* EPIPE, ECONNRESET: gone */
		}
		c->sent += (size_t)w;
	}
	return true;
}

void attach_output(struct attach *a, int type, const char *data, size_t n)
{
	a->out_header[0] = (unsigned char)type;
	a->out_header[1] = (unsigned char)(n >> 24);
	a->out_header[2] = (unsigned char)(n >> 16);
	a->out_header[3] = (unsigned char)(n >> 8);
	a->out_header[4] = (unsigned char)n;
	a->out_data = data;
	a->out_len = n;
	for (size_t i = a->nclients; i-- > 0;) {
		a->clients[i].sent = 0;
		if (!send_output(a, &a->clients[i]))
			drop_client(a, i);
	}
}

bool attach_output_pending(const struct attach *a)
{
	for (size_t i = 0; i < a->nclients; i++)
		if (a->clients[i].sent < frame_len(a))
			return true;
	return false;
}

static bool reading_clients(const struct attach *a)
{
	return a->input_ready && a->len == 0;
}

size_t attach_pollfds(const struct attach *a, struct pollfd *fds)
{
	size_t n = 0;
	if (a->listen_fd >= 0)
		fds[n++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
	if (a->stdin_fd >= 0 && a->len > 0)
		fds[n++] = (struct pollfd){.fd = a->stdin_fd, .events = POLLOUT};
	for (size_t i = 0; i < a->nclients; i++) {
		short events = (short)((reading_clients(a) ? POLLIN : 0) | (a->clients[i].sent < frame_len(a) ? POLLOUT : 0));
		if (events != 0)
			fds[n++] = (struct pollfd){.fd = a->clients[i].fd, .events = events};
	}
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
			continue;
		}
		if (fd == a->stdin_fd && fds[k].events == POLLOUT) {
			flush(a);
			continue;
		}
		/* Still one of ours? A client dropped above may have had its number reused by accept. */
		for (size_t i = 0; i < a->nclients; i++) {
			if (a->clients[i].fd != fd)
				continue;
			if ((fds[k].events & POLLOUT) && !send_output(a, &a->clients[i])) {
				drop_client(a, i);
			} else if ((fds[k].events & POLLIN) && reading_clients(a) && (fds[k].revents & (POLLIN | POLLHUP | POLLERR))) {
				read_client(a, i);
			}
			break;
		}
	}
}

void attach_stop_input(struct attach *a)
{
	if (a->listen_fd >= 0) {
		a->listen_fd = close_fd(a->listen_fd);
		/* ENOENT: someone removed it already; nothing else to do about any failure here. */
		unlink(a->path);
	}
	close_stdin(a);
	a->input_ready = false;
	a->tty_fd = -1;
}

void attach_close(struct attach *a)
{
	attach_stop_input(a);
	while (a->nclients > 0)
		drop_client(a, a->nclients - 1);
}
