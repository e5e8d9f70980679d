#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "clock.h"
#include "cri-log.h"
#include "events.h"
#include "io.h"
#include "names.h"
#include "runtime-log.h"
#include "spawn.h"

/* After the runtime exits, how long a grandchild may keep its stdout/stderr open before we stop reading. */
#define DRAIN_AFTER_EXIT_NS (2000 * NS_PER_MS)
/* How much of the runtime's stderr we keep for a `start-failed` message when it has no JSON log. */
#define STDERR_TAIL_BYTES 4096
#define STDERR_TAIL_LINES 10
/* One read from a container pipe: a full pipe buffer. */
#define CHUNK_BYTES (64 * 1024)

static char chunk[CHUNK_BYTES];
static char stderr_tail[STDERR_TAIL_BYTES];
static size_t stderr_tail_len;
/* The monitor's own reason for not running the runtime, or the fallback start-failed message. */
static char reason[PATH_MAX + 256];
static struct attach attach;

static volatile sig_atomic_t child_changed;

static void on_sigchld(int sig)
{
	(void)sig;
	child_changed = 1;
}

/*
 * The pid-file poll interval: every 2 ms while a start is likely (runc takes ~50 ms, runsc ~300 ms), then
 * slower, so a runtime that never writes one costs little. A poll is one failed open(2). inotify would
 * answer at once, but each watcher costs an inotify instance, and fs.inotify.max_user_instances (128 by
 * default) would then cap the number of running containers per user.
 */
static int64_t pid_poll_interval(int64_t waited)
{
	if (waited < 2000 * NS_PER_MS)
		return 2 * NS_PER_MS;
	if (waited < 10000 * NS_PER_MS)
		return 10 * NS_PER_MS;
	return 250 * NS_PER_MS;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The pid in the file, or 0 while it is missing or still empty (crun writes it in place). */
static pid_t read_pid_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	/* ENOENT: not written yet. Any other failure leaves us as unknowing: try again at the next poll. */
	if (fd < 0)
		return 0;
	char buf[32];
	ssize_t n;
	do
		n = read(fd, buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	close_fd(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = buf;
	while (is_space(*p))
		p++;
	long long pid = 0;
	const char *digits = p;
	for (; *p >= '0' && *p <= '9'; p++) {
		pid = pid * 10 + (*p - '0');
		if (pid > INT_MAX)
			return 0;
	}
	while (is_space(*p))
		p++;
	return p > digits && *p == '\0' && pid > 0 ? (pid_t)pid : 0;
}

static void keep_stderr_tail(const char *buf, size_t n)
{
	if (n >= STDERR_TAIL_BYTES) {
		memcpy(stderr_tail, buf + n - STDERR_TAIL_BYTES, STDERR_TAIL_BYTES);
		stderr_tail_len = STDERR_TAIL_BYTES;
		return;
	}
	size_t keep = stderr_tail_len + n > STDERR_TAIL_BYTES ? STDERR_TAIL_BYTES - n : stderr_tail_len;
	memmove(stderr_tail, stderr_tail + stderr_tail_len - keep, keep);
	memcpy(stderr_tail + keep, buf, n);
	stderr_tail_len = keep + n;
}

/* The last STDERR_TAIL_LINES lines of the kept stderr, trimmed; length 0 when there is none. */
static const char *stderr_last_lines(size_t *len)
{
	size_t a = 0, b = stderr_tail_len;
	while (a < b && is_space(stderr_tail[a]))
		a++;
	while (b > a && is_space(stderr_tail[b - 1]))
		b--;
	size_t start = b;
	int newlines = 0;
	while (start > a && !(stderr_tail[start - 1] == '\n' && ++newlines == STDERR_TAIL_LINES))
		start--;
	*len = b - start;
	return stderr_tail + start;
}

/* A run that never happened: exit code 125, the reason as runtimeError and as the start-failed message. */
static void not_run(struct outcome *o)
{
	o->record.exit_code = EXIT_CANNOT_RUN;
	o->record.finished_at = wall_now();
	o->record.runtime_error = reason;
	o->record.runtime_error_len = strlen(reason);
	o->message = reason;
	o->message_len = o->record.runtime_error_len;
}

static void set_reason(const char *what, const char *path, int e)
{
	char text[128];
	snprintf(reason, sizeof reason, "monitor: %s%s: %s", what, path, errno_text(e, text, sizeof text));
}

/* Removes a file of the previous run; returns 0 or an errno (ENOENT, the usual case, is success). */
static int remove_stale(const char *path)
{
	return unlink(path) < 0 && errno != ENOENT ? errno : 0;
}

struct stream {
	int fd;
	const char *name;
};

/* Reads one chunk of a container stream into the log; closes the stream at EOF. */
static void copy_stream(struct stream *s, struct cri_log *log, bool keep_tail)
{
	ssize_t n = read(s->fd, chunk, sizeof chunk);
	if (n > 0) {
		if (keep_tail)
			keep_stderr_tail(chunk, (size_t)n);
		cri_log_write(log, s->name, chunk, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	/* EOF: every writer (the runtime, the container, its children) closed it. A read error on a pipe
	 * (none is expected) ends the stream just the same. */
	s->fd = close_fd(s->fd);
}

struct pipes {
	int in_child; /* /dev/null or the stdin pipe's read end */
	int in_ours;  /* the stdin pipe's write end, or -1 */
	int out[2];
	int err[2];
};

static int open_pipes(const struct launch_spec *spec, struct pipes *p)
{
	int s[2] = {-1, -1};
	p->in_child = p->in_ours = p->out[0] = p->out[1] = p->err[0] = p->err[1] = -1;
	if (spec->stdin_pipe) {
		if (pipe2(s, O_CLOEXEC) < 0)
			return errno;
		p->in_child = s[0];
		p->in_ours = s[1];
	} else {
		p->in_child = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (p->in_child < 0)
			return errno;
	}
	if (pipe2(p->out, O_CLOEXEC) < 0 || pipe2(p->err, O_CLOEXEC) < 0)
		return errno;
	/* Only our ends are non-blocking: the container's ends behave as any pipe does. */
	int e = set_nonblocking(p->out[0]);
	if (e == 0)
		e = set_nonblocking(p->err[0]);
	if (e == 0 && p->in_ours >= 0)
		e = set_nonblocking(p->in_ours);
	return e;
}

static void close_pipes(struct pipes *p)
{
	p->in_child = close_fd(p->in_child);
	p->in_ours = close_fd(p->in_ours);
	for (int i = 0; i < 2; i++) {
		p->out[i] = close_fd(p->out[i]);
		p->err[i] = close_fd(p->err[i]);
	}
}

static void mark_started(struct outcome *o, pid_t pid, struct timespec at)
{
	o->started = true;
	o->record.pid = pid;
	o->record.has_started_at = true;
	o->record.started_at = at;
	events_started(pid, getpid());
}

/*
 * Steps 1 and 2: everything the runtime needs, then the runtime. Returns 0 with the runtime running, or -1
 * with `reason` set and nothing left open. On success SIGCHLD is blocked and *wait_mask unblocks it.
 */
static int start_runtime(const struct launch_spec *spec, struct cri_log *log, struct pipes *p, pid_t *runtime,
			 sigset_t *wait_mask)
{
	int e;
	if ((e = remove_stale(spec->pid_file)) != 0) {
		set_reason("cannot remove the previous run's pid file ", spec->pid_file, e);
		return -1;
	}
	if ((e = remove_stale(spec->exit_file)) != 0) {
		set_reason("cannot remove the previous run's exit file ", spec->exit_file, e);
		return -1;
	}
	if ((e = cri_log_open(log, spec->log_path)) != 0) {
		set_reason("cannot open the container log ", spec->log_path, e);
		return -1;
	}
	if (spec->stdin_pipe && spec->attach_socket != NULL && (e = attach_listen(&attach, spec->attach_socket)) != 0) {
		set_reason("cannot listen on the attach socket ", spec->attach_socket, e);
		goto close_log;
	}
	if ((e = open_pipes(spec, p)) != 0) {
		set_reason("cannot create the container's stdio pipes", "", e);
		goto close_pipes;
	}

	/* SIGCHLD is delivered only inside ppoll(), so a runtime that exits at once is never missed. */
	struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	sigdelset(wait_mask, SIGCHLD);

	e = spawn_process(spec->runtime_argv, p->in_child, p->out[1], p->err[1], runtime);
	/* The runtime's ends: held by it alone from now on, so that its exit is our EOF. */
	p->in_child = close_fd(p->in_child);
	p->out[1] = close_fd(p->out[1]);
	p->err[1] = close_fd(p->err[1]);
	if (e != 0) {
		set_reason("cannot run ", spec->runtime_argv[0], e);
		goto close_pipes;
	}
	attach_feed(&attach, p->in_ours);
	p->in_ours = -1;
	return 0;

close_pipes:
	close_pipes(p);
	attach_close(&attach);
close_log:
	cri_log_close(log);
	return -1;
}

/* Step 3 and the drain of step 4; returns the runtime's wait status. */
static int watch(const struct launch_spec *spec, pid_t runtime, struct stream streams[2], struct cri_log *log,
		 const sigset_t *wait_mask, struct outcome *o)
{
	const int64_t spawned = mono_ns();
	int64_t next_pid_poll = spawned; /* the first poll right away */
	int64_t drain_deadline = 0;
	bool exited = false;
	int status = 0;
	for (;;) {
		if (child_changed) {
			child_changed = 0;
			pid_t r;
			while ((r = waitpid(runtime, &status, WNOHANG)) < 0 && errno == EINTR) {
			}
			if (r == runtime) {
				exited = true;
				drain_deadline = mono_ns() + DRAIN_AFTER_EXIT_NS;
				/* Nobody can feed a container that is gone. */
				attach_close(&attach);
			}
		}
		int64_t now = mono_ns();
		if (!exited && !o->started && now >= next_pid_poll) {
			pid_t pid = read_pid_file(spec->pid_file);
			if (pid > 0)
				mark_started(o, pid, wall_now());
			else
				next_pid_poll = now + pid_poll_interval(now - spawned);
		}
		if (exited && ((streams[0].fd < 0 && streams[1].fd < 0) || now >= drain_deadline))
			return status;

		struct pollfd fds[2 + ATTACH_MAX_POLLFDS];
		size_t n = 0;
		for (int i = 0; i < 2; i++)
			if (streams[i].fd >= 0)
				fds[n++] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
		size_t attach_from = n;
		n += attach_pollfds(&attach, fds + n);
		int64_t wait_ns = -1;
		if (exited)
			wait_ns = drain_deadline - now;
		else if (!o->started)
			wait_ns = next_pid_poll - now;
		struct timespec timeout = {wait_ns / 1000000000, wait_ns % 1000000000};
		if (ppoll(fds, n, wait_ns >= 0 ? &timeout : NULL, wait_mask) < 0)
			continue; /* EINTR: SIGCHLD, handled at the top. ENOMEM: try again. */

		for (size_t k = 0; k < attach_from; k++) {
			if (fds[k].revents == 0)
				continue;
			for (int i = 0; i < 2; i++)
				if (streams[i].fd == fds[k].fd)
					copy_stream(&streams[i], log, i == 1 && !o->started);
		}
		attach_handle(&attach, fds + attach_from, n - attach_from);
	}
}

/* The rest of step 4: the exit record, and the start-failed message if the container never started. */
static void fill_outcome(const struct launch_spec *spec, int status, off_t runtime_log_offset, struct outcome *o)
{
	if (!o->started) {
		/* The runtime wrote the pid file and exited between two polls (a container that exits at once). */
		pid_t pid = read_pid_file(spec->pid_file);
		if (pid > 0)
			mark_started(o, pid, o->record.finished_at);
	}
	if (WIFSIGNALED(status)) {
		o->record.exit_code = 128 + WTERMSIG(status);
		o->record.signal = signal_name(WTERMSIG(status));
	} else {
		o->record.exit_code = WEXITSTATUS(status);
	}
	if (spec->runtime_log != NULL)
		o->record.runtime_error = runtime_log_last_error(spec->runtime_log, runtime_log_offset, &o->record.runtime_error_len);
	if (o->started)
		return;
	if (o->record.runtime_error != NULL) {
		o->message = o->record.runtime_error;
		o->message_len = o->record.runtime_error_len;
		return;
	}
	o->message = stderr_last_lines(&o->message_len);
	if (o->message_len == 0) {
		snprintf(reason, sizeof reason, "%s exited with code %d before the container started", spec->runtime_argv[0],
			 o->record.exit_code);
		o->message = reason;
		o->message_len = strlen(reason);
	}
}

void supervise(const struct launch_spec *spec, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	attach_init(&attach);
	off_t runtime_log_offset = spec->runtime_log != NULL ? runtime_log_size(spec->runtime_log) : 0;
	struct cri_log log;
	struct pipes p;
	pid_t runtime;
	sigset_t wait_mask;
	if (start_runtime(spec, &log, &p, &runtime, &wait_mask) != 0) {
		not_run(o);
		return;
	}
	struct stream streams[2] = {{p.out[0], "stdout"}, {p.err[0], "stderr"}};
	int status = watch(spec, runtime, streams, &log, &wait_mask, o);

	/* Past the drain deadline an escaped grandchild may still hold them; it gets EPIPE from now on. */
	for (int i = 0; i < 2; i++)
		streams[i].fd = close_fd(streams[i].fd);
	attach_close(&attach);
	cri_log_close(&log);
	o->record.finished_at = wall_now();
	fill_outcome(spec, status, runtime_log_offset, o);
}
