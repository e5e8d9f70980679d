/*
 * Attach: clients of a unix socket (and the engine's own end of fd 4, `--attached`) see the container's
 * output, feed its stdin and resize its terminal. Both directions are framed (protocol.ts has the
 * reference codec): a 1-byte type, a 4-byte big-endian payload length, the payload.
 *   monitor → client  ATTACH_STDOUT, ATTACH_STDERR  output, as read from the container (a TTY's output is stdout)
 *   client → monitor  ATTACH_STDIN                  bytes for the container's stdin (dropped without --stdin)
 *                     ATTACH_STDIN_EOF (len 0)      closes the container's stdin for everyone (a pipe's EOF;
 *                                                   with a TTY we only stop writing: the pty stays open)
 *                     ATTACH_RESIZE (len 4)         rows, cols: u16 big-endian each (TIOCSWINSZ; no TTY: ignored)
 * A client that closes its socket has detached: the container and its stdin carry on, and another client may
 * attach. An unknown type or a bad length drops the client. Clients are closed once the container's output
 * ended (the container exited and its streams drained): EOF after the last output frame.
 *
 * Backpressure, both ways, with fixed buffers. Input: a client is read only when the stdin buffer is empty,
 * which empties only as fast as the container reads. Output: every client gets each chunk; while any client
 * has not taken all of the current chunk, the container's streams are not read (supervise.c asks
 * attach_output_pending()), so a slow client slows the container's writes, as with docker attach. A client
 * that is gone (EPIPE) is dropped.
 */
#ifndef TSENGINE_MONITOR_ATTACH_H
#define TSENGINE_MONITOR_ATTACH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTACH_STDIN 0
#define ATTACH_STDOUT 1
#define ATTACH_STDERR 2
#define ATTACH_STDIN_EOF 3
#define ATTACH_RESIZE 4
#define ATTACH_HEADER 5

/* More clients at once are turned away. */
#define ATTACH_MAX_CLIENTS 16
#define ATTACH_BUFFER (16 * 1024)
/* What attach_pollfds() may fill in. */
#define ATTACH_MAX_POLLFDS (2 + ATTACH_MAX_CLIENTS)

struct attach_client {
	int fd;
	/* Input: the frame header read so far, then how much of its payload is still to come. */
	unsigned char header[ATTACH_HEADER];
	size_t header_len;
	uint32_t remaining;
	unsigned char resize[4];
	size_t resize_len;
	/* Output: how much of the current output frame (header + data) this client has taken. */
	size_t sent;
};

struct attach {
	/* The listening socket, or -1 (none, or closed). */
	int listen_fd;
	/* The socket file we bound, removed on close; NULL when none. */
	const char *path;
	/* Where stdin bytes go (our non-blocking write end of the stdin pipe, or a dup of the pty master), or -1. */
	int stdin_fd;
	/* The pty master, for resizes (not ours to close), or -1. */
	int tty_fd;
	/* Clients are read only once the input side is settled (a TTY's master arrives after the runtime starts). */
	bool input_ready;
	/* A client ended the input: stdin closes once the buffer is written. */
	bool closing;
	struct attach_client clients[ATTACH_MAX_CLIENTS];
	size_t nclients;
	size_t off, len;
	char buf[ATTACH_BUFFER];
	/* The current output frame: header, then data that points into the caller's chunk. */
	unsigned char out_header[ATTACH_HEADER];
	const char *out_data;
	size_t out_len;
};

void attach_init(struct attach *a);
/* Listens on path, before the runtime starts, so that a failure costs no running container and a client
 * that got `started` can always connect. Returns 0 or an errno. */
int attach_listen(struct attach *a, const char *path);
/* Adopts a connected socket as a client (the engine's end of fd 4). Returns 0 or an errno. */
int attach_adopt(struct attach *a, int fd);
/* The input side is settled: stdin bytes go to stdin_fd (ours; -1: dropped), resizes to tty_fd (-1: none). */
void attach_set_input(struct attach *a, int stdin_fd, int tty_fd);
/* Sends one chunk of output to every client, as far as each takes it now. */
void attach_output(struct attach *a, int type, const char *data, size_t n);
/* Some client has not taken all of the last chunk yet: do not read more output. */
bool attach_output_pending(const struct attach *a);
/* Fills fds with what to wait for; returns how many (at most ATTACH_MAX_POLLFDS). */
size_t attach_pollfds(const struct attach *a, struct pollfd *fds);
/* Acts on the revents of the entries attach_pollfds() filled in. */
void attach_handle(struct attach *a, const struct pollfd *fds, size_t n);
/* The container is gone: stop listening (remove the socket file) and let go of its stdin. Clients stay for
 * the rest of the output. */
void attach_stop_input(struct attach *a);
/* Everything: attach_stop_input() and the clients (they see EOF). */
void attach_close(struct attach *a);

#endif
