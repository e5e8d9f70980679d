#include "events.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "json.h"

/* -1 when there is no channel or its listener went away. */
static int channel = -1;
static bool channel_is_socket;
static struct json_out out;

bool events_open(void)
{
	struct stat st;
	/* EBADF: launched without fd 3 (by hand, for debugging): there is nobody to tell. */
	if (fstat(EVENT_FD, &st) < 0)
		return false;
	if (!S_ISSOCK(st.st_mode) && !S_ISFIFO(st.st_mode))
		return false;
	channel = EVENT_FD;
	channel_is_socket = S_ISSOCK(st.st_mode);
	/* Neither the runtime nor the container may hold the engine's channel open. */
	set_cloexec(channel);
	if (channel_is_socket) {
		/* Our end of the socketpair is ours alone: make it blocking for the hand-off's read, whatever
		 * the launcher left it as. A FIFO's description may be shared, so it stays as it is. */
		int flags = fcntl(channel, F_GETFL);
		if (flags >= 0)
			fcntl(channel, F_SETFL, flags & ~O_NONBLOCK);
	}
	return true;
}

static void go_quiet(void)
{
	channel = close_fd(channel);
}

/* Ends the line and sends it. Events are a few hundred bytes: on a live reader this never waits long. */
static void send_line(void)
{
	json_raw(&out, "\n");
	int e = json_flush(&out);
	if (e == 0)
		return;
	/* EPIPE/ECONNRESET/ENOTCONN: the reader is gone (a CLI that got `started` and exited, or was killed).
	 * EAGAIN: a non-blocking FIFO nobody reads is full. Any other failure means the same to us: nobody
	 * hears us any more, and the exit file remains the answer. */
	go_quiet();
}

void events_started(pid_t pid, pid_t monitor_pid)
{
	if (channel < 0)
		return;
	json_out_init(&out, channel);
	json_raw(&out, "{\"v\":1,\"type\":\"started\",\"pid\":");
	json_int(&out, pid);
	json_raw(&out, ",\"monitorPid\":");
	json_int(&out, monitor_pid);
	json_raw(&out, "}");
	send_line();
}

void events_start_failed(int exit_code, const char *message, size_t message_len)
{
	if (channel < 0)
		return;
	json_out_init(&out, channel);
	json_raw(&out, "{\"v\":1,\"type\":\"start-failed\",\"exitCode\":");
	json_int(&out, exit_code);
	json_raw(&out, ",\"message\":");
	json_string(&out, message, message_len);
	json_raw(&out, "}");
	send_line();
}

void events_exited(const struct exit_record *r)
{
	if (channel < 0)
		return;
	json_out_init(&out, channel);
	json_raw(&out, "{\"v\":1,\"type\":\"exited\",\"record\":");
	exit_record_json(&out, r);
	json_raw(&out, "}");
	send_line();
}

bool events_hand_off(void)
{
	if (channel < 0)
		return false;
	if (!channel_is_socket) {
		/* A FIFO only carries our events: the engine has no way to answer. */
		go_quiet();
		return false;
	}
	/* EOF of events for a reader that waits for it, while we wait for the engine's answer. ENOTCONN:
	 * the peer is gone already; the read below then sees EOF at once. */
	shutdown(channel, SHUT_WR);
	bool done = false;
	char buf[64];
	for (;;) {
		ssize_t n = read(channel, buf, sizeof buf);
		if (n > 0) {
			done = done || memchr(buf, 'D', (size_t)n) != NULL;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* EOF, or ECONNRESET: the engine closed (or was killed) before reading all we sent. Either way
		 * it has let go, with or without its 'D'. */
		break;
	}
	go_quiet();
	return done;
}
