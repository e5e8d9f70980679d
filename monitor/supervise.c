#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "console.h"
#include "clock.h"
#include "cri-log.h"
#include "events.h"
#include "io.h"
#include "names.h"
#include "oom.h"
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
static struct console console;
static struct oom_watch oom;

/* The engine's end of this socket is its first attach client (--attached). */
#define ATTACHED_FD 4

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
	/* The attach frame type of its output. */
	int type;
};

#define NSTREAMS 3
/* The runtime's stdout and stderr pipes (the container's too, without a TTY), and the TTY's master. */
enum { OUT, ERR, TTY };

/* Reads one chunk of a container stream into the log and to attached clients; closes the stream at EOF. */
static void copy_stream(struct stream *s, struct cri_log *log, bool keep_tail)
{
	ssize_t n = read(s->fd, chunk, sizeof chunk);
	if (n > 0) {
		if (keep_tail)
			keep_stderr_tail(chunk, (size_t)n);
		cri_log_write(log, s->name, chunk, (size_t)n);
		attach_output(&attach, s->type, chunk, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	/* EOF: every writer (the runtime, the container, its children) closed it. A pty master reads EIO once
	 * the last process holding its terminal is gone. A read error on a pipe (none is expected) ends the
	 * stream just the same. */
	s->fd = close_fd(s->fd);
}

struct pipes {
	int in_child; /* /dev/null or the stdin pipe's read end */
	int in_ours;  /* the stdin pipe's write end, or -1 */
	int out[2];
	int err[2];
};

static int open_pipes(bool stdin_pipe, struct pipes *p)
{
	int s[2] = {-1, -1};
	p->in_child = p->in_ours = p->out[0] = p->out[1] = p->err[0] = p->err[1] = -1;
	if (stdin_pipe) {
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
	p->in_child = p->in_ours = p->out[0] = p->out[1] = p->err[0] = p->err[1] = -1;
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
	if (spec->attached && (e = attach_adopt(&attach, ATTACHED_FD)) != 0) {
		set_reason("cannot use the attached socket (fd 4)", "", e);
		goto close_log;
	}
	if (spec->attach_socket != NULL && (e = attach_listen(&attach, spec->attach_socket)) != 0) {
		set_reason("cannot listen on the attach socket ", spec->attach_socket, e);
		goto close_log;
	}
	if (spec->console_socket != NULL && (e = console_listen(&console, spec->console_socket)) != 0) {
		set_reason("cannot listen on the console socket ", spec->console_socket, e);
		goto close_pipes;
	}
	/* With a TTY, the container's stdin is its terminal: the pipe would only be the runtime's. */
	if ((e = open_pipes(spec->stdin_pipe && spec->console_socket == NULL, p)) != 0) {
		set_reason("cannot create the container's stdio pipes", "", e);
		goto close_pipes;
	}
	/* The process the runtime leaves behind when it detaches is reparented to us, so we can wait for it. */
	if (spec->runtime_detaches && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		set_reason("cannot become a subreaper", "", errno);
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
	/* Without a TTY the input side is settled now; with one, once the master arrives (take_console). */
	if (spec->console_socket == NULL)
		attach_set_input(&attach, p->in_ours, -1);
	p->in_ours = -1; /* attach's now (or there is none: with a TTY, stdin is the terminal) */
	return 0;

close_pipes:
	close_pipes(p);
	console_close(&console);
	attach_close(&attach);
close_log:
	cri_log_close(log);
	return -1;
}

/* The runtime connected to the console socket: the master becomes the TTY stream, stdin's target (with
 * --stdin) and the target of resizes. */
static void take_console(const struct launch_spec *spec, struct stream *tty)
{
	int master = console_receive(&console);
	if (master < 0)
		return; /* none (yet): the runtime reports its own failure */
	tty->fd = master;
	int in = spec->stdin_pipe ? fcntl(master, F_DUPFD_CLOEXEC, 3) : -1;
	attach_set_input(&attach, in, fcntl(master, F_DUPFD_CLOEXEC, 3));
}

/* Children reaped before we knew which one is the container (a detaching runtime): their statuses. */
#define REAPED_KEEP 8
static pid_t reaped_pid[REAPED_KEEP];
static int reaped_status[REAPED_KEEP];
static size_t reaped_next;

static bool reaped_before(pid_t pid, int *status)
{
	for (size_t i = 0; i < REAPED_KEEP; i++) {
		if (reaped_pid[i] == pid && pid > 0) {
			*status = reaped_status[i];
			return true;
		}
	}
	return false;
}

/* Step 3 and the drain of step 4; returns the runtime's wait status (or the container's, when the runtime
 * detaches). */
static int watch(const struct launch_spec *spec, pid_t runtime, struct stream streams[NSTREAMS], struct cri_log *log,
		 const sigset_t *wait_mask, struct outcome *o)
{
	const int64_t spawned = mono_ns();
	/* create, then start (spec->start_argv): `runtime` is the create until it exits, then the start. */
	bool start_pending = spec->start_argv != NULL;
	int64_t next_pid_poll = spawned; /* the first poll right away */
	int64_t drain_deadline = 0;
	bool exited = false, runtime_gone = false;
	int status = 0;
	for (;;) {
		if (child_changed) {
			child_changed = 0;
			pid_t r;
			int st;
			while ((r = waitpid(-1, &st, WNOHANG)) != 0) {
				if (r < 0) {
					if (errno == EINTR)
						continue;
					break; /* ECHILD: nobody left */
				}
				if (r == runtime && start_pending && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
					/* Created: its terminal (sent during create) gets its size before the process runs. */
					start_pending = false;
					if (console.listen_fd >= 0 && streams[TTY].fd < 0)
						take_console(spec, &streams[TTY]);
					int e = spawn_process(spec->start_argv, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, &runtime);
					if (e == 0)
						continue;
					snprintf(reason, sizeof reason, "cannot run %s: %s", spec->start_argv[0], strerror(e));
					st = EXIT_CANNOT_RUN << 8;
				}
				if (r == runtime) {
					runtime_gone = true;
					bool detached = spec->runtime_detaches && WIFEXITED(st) && WEXITSTATUS(st) == 0;
					if (detached && !o->started) {
						pid_t pid = read_pid_file(spec->pid_file);
						if (pid > 0)
							mark_started(o, pid, wall_now());
					}
					if (detached && o->started) {
						int cst;
						if (reaped_before(o->record.pid, &cst)) {
							exited = true;
							status = cst;
						}
						continue; /* the container runs on, our child now */
					}
					if (detached) {
						snprintf(reason, sizeof reason, "%s detached without writing the pid file %s",
							 spec->runtime_argv[0], spec->pid_file);
						st = EXIT_CANNOT_RUN << 8;
					}
					exited = true;
					status = st;
				} else if (spec->runtime_detaches && runtime_gone && o->started && r == o->record.pid) {
					exited = true;
					status = st;
				} else if (spec->runtime_detaches) {
					reaped_pid[reaped_next] = r;
					reaped_status[reaped_next] = st;
					reaped_next = (reaped_next + 1) % REAPED_KEEP;
				}
				if (exited && drain_deadline == 0) {
					drain_deadline = mono_ns() + DRAIN_AFTER_EXIT_NS;
					/* Nobody can feed a container that is gone, nor hand us its terminal. */
					attach_stop_input(&attach);
					console_close(&console);
				}
			}
		}
		int64_t now = mono_ns();
		if (!exited && !o->started && !start_pending && now >= next_pid_poll) {
			pid_t pid = read_pid_file(spec->pid_file);
			if (pid > 0)
				mark_started(o, pid, wall_now());
			else
				next_pid_poll = now + pid_poll_interval(now - spawned);
		}
		bool pending = attach_output_pending(&attach);
		bool streams_done = true;
		for (int i = 0; i < NSTREAMS; i++)
			streams_done = streams_done && streams[i].fd < 0;
		if (exited && ((streams_done && !pending) || now >= drain_deadline))
			return status;

		if (o->started && !exited)
			oom_arm(&oom);
		struct pollfd fds[NSTREAMS + 2 + ATTACH_MAX_POLLFDS];
		size_t n = 0;
		/* While a client has not taken the last chunk, read no more (attach.h, backpressure). */
		for (int i = 0; i < NSTREAMS && !pending; i++)
			if (streams[i].fd >= 0)
				fds[n++] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
		size_t console_at = n;
		if (console.listen_fd >= 0)
			fds[n++] = (struct pollfd){.fd = console.listen_fd, .events = POLLIN};
		size_t attach_from = n;
		n += attach_pollfds(&attach, fds + n);
		size_t oom_at = n;
		if (oom.fd >= 0)
			fds[n++] = (struct pollfd){.fd = oom.fd, .events = POLLIN};
		int64_t wait_ns = -1;
		if (exited)
			wait_ns = drain_deadline - now;
		else if (!o->started && !start_pending)
			wait_ns = next_pid_poll - now;
		struct timespec timeout = {wait_ns / 1000000000, wait_ns % 1000000000};
		if (ppoll(fds, n, wait_ns >= 0 ? &timeout : NULL, wait_mask) < 0)
			continue; /* EINTR: SIGCHLD, handled at the top. ENOMEM: try again. */

		for (size_t k = 0; k < console_at && !attach_output_pending(&attach); k++) {
			if (fds[k].revents == 0)
				continue;
			for (int i = 0; i < NSTREAMS; i++)
				if (streams[i].fd == fds[k].fd)
					copy_stream(&streams[i], log, i == ERR && !o->started);
		}
		if (console_at < attach_from && fds[console_at].revents != 0)
			take_console(spec, &streams[TTY]);
		attach_handle(&attach, fds + attach_from, oom_at - attach_from);
		if (oom_at < n && fds[oom_at].revents != 0)
			oom_handle(&oom);
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
	if (reason[0] != '\0') {
		o->message = reason;
		o->message_len = strlen(reason);
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
	console_init(&console, spec->tty_rows, spec->tty_cols);
	oom_init(&oom, spec->oom_cgroup);
	off_t runtime_log_offset = spec->runtime_log != NULL ? runtime_log_size(spec->runtime_log) : 0;
	struct cri_log log;
	struct pipes p;
	pid_t runtime;
	sigset_t wait_mask;
	if (start_runtime(spec, &log, &p, &runtime, &wait_mask) != 0) {
		not_run(o);
		return;
	}
	struct stream streams[NSTREAMS] = {
		[OUT] = {p.out[0], "stdout", ATTACH_STDOUT},
		[ERR] = {p.err[0], "stderr", ATTACH_STDERR},
		[TTY] = {-1, "stdout", ATTACH_STDOUT},
	};
	int status = watch(spec, runtime, streams, &log, &wait_mask, o);

	/* Past the drain deadline an escaped grandchild may still hold them; it gets EPIPE from now on. */
	for (int i = 0; i < NSTREAMS; i++)
		streams[i].fd = close_fd(streams[i].fd);
	attach_close(&attach);
	console_close(&console);
	cri_log_close(&log);
	o->record.finished_at = wall_now();
	oom_finish(&oom);
	o->record.oom_killed = oom.killed;
	fill_outcome(spec, status, runtime_log_offset, o);
}
