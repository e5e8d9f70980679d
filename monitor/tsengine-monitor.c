/*
 * tsengine-monitor: a container's monitor, our conmon. One small detached process per running container,
 * alive from the runtime's start to the container's exit plus cleanup. It runs the runtime in the
 * foreground (supervise.c), reports on fd 3 (events.c), writes the exit file (exit-record.c), hands the
 * cleanup over (or not) to the engine, runs the exit command and exits 0. monitor/protocol.ts is the
 * contract; spec.h has the command line.
 *
 * Why C: one of these stays resident per running container. A node monitor cost ~11 MiB Pss and ~80 ms
 * of start-up per `run`; conmon costs 1.2 MiB. This one uses libc only, fixed buffers (no heap growth per
 * byte of output) and a small stack. test/integration/monitor/memory.test.ts measures it.
 *
 * Descriptors. We keep 0-2 (/dev/null from the launcher), fd 3 (events) and, with --attached, fd 4 (the
 * engine's attach connection, attach.h), and close whatever else the
 * launcher's own caller left open (a terminal, a shell's `$(…)` pipe, a test harness's fd): a monitor
 * lives as long as its container, and such an fd held open would keep that caller waiting, and would leak
 * into the runtime (conmon's close_fds.c does the same). Every fd we open is close-on-exec.
 *
 * Signals. The launcher spawns us detached: we lead our own session with no controlling terminal, so a
 * terminal's hangup or ^C never reaches us. SIGINT and SIGHUP, if sent anyway, are ignored. SIGTERM is
 * ignored too: containers are stopped through the runtime (`RUNTIME kill`), never through their monitor,
 * and a monitor that quit on SIGTERM would lose the exit status of a container that keeps running.
 * SIGKILL still ends us: the runtime and container run on, but their next write to stdout/stderr gets
 * EPIPE and nobody writes the exit file, so never send it. SIGPIPE is ignored: a gone listener is EPIPE.
 *
 * Title. The launcher sets argv[0] to `tsengine-monitor <first 12 chars of the id>` (protocol.ts
 * monitorTitle()), so /proc/PID/cmdline and ps name the container without us rewriting argv memory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "exit-record.h"
#include "io.h"
#include "names.h"
#include "spawn.h"
#include "spec.h"
#include "supervise.h"

/* Exit status when the command line is unusable (nothing was run): the engine's bug, not the container's. */
#define EXIT_BAD_ARGS 2

/* fds 0-2 must be open: otherwise the first pipe we create would become someone's stdin or stdout. */
static void keep_stdio_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		/* EBADF: closed. open() then takes this lowest free number. */
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) < 0)
			return;
	}
}

static void close_fds_from(int first)
{
	if (close_range((unsigned)first, ~0U, 0) == 0)
		return;
	/* ENOSYS: a kernel before 5.9. Walk /proc/self/fd instead. */
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	struct dirent *ent;
	while ((ent = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(ent->d_name, &end, 10);
		if (*end == '\0' && end != ent->d_name && fd >= first && fd != dirfd(d))
			close((int)fd);
	}
	closedir(d);
}

static void ignore_signals(void)
{
	static const int IGNORED[] = {SIGINT, SIGHUP, SIGTERM, SIGPIPE};
	struct sigaction sa = {.sa_handler = SIG_IGN};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof IGNORED / sizeof IGNORED[0]; i++)
		sigaction(IGNORED[i], &sa, NULL);
}

/*
 * Unmounts the container's root filesystem once it exited, when no engine did: the one piece of cleanup
 * every container needs, done here in a syscall instead of by an exit command (a node process, ~50 ms of
 * CPU). The container's row is brought up to date by the next engine that reads it (the exit file is the
 * truth), so only --rm and network teardown still need the exit command. EBUSY (a process that escaped
 * the container still uses it): detach, it goes when released. EINVAL/ENOENT: not mounted any more
 * (removed, or unmounted by someone else).
 */
static void unmount_rootfs(const char *path)
{
	if (umount2(path, 0) == 0 || errno != EBUSY)
		return;
	(void)umount2(path, MNT_DETACH);
}

/*
 * The engine's cleanup (unmount, drop runtime state, --rm), run once the exit file is durable. We wait for
 * it, so that the monitor's own exit means "nothing of this container is still being done". Its output
 * goes to the exit-command log (appended) or /dev/null, never to the launcher, which may be long gone.
 * `note` (or NULL) is written to the log first: the monitor's own trouble, which has no other place.
 */
static void run_exit_command(const struct launch_spec *spec, const char *note)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log_fd = -1;
	if (spec->exit_command_log != NULL) {
		log_fd = open(spec->exit_command_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		/* ENOENT: its directory was removed with the container (`rm -f` while it ran). The command still
		 * has to run; its output (and any other failure to open the log) goes to /dev/null. */
	}
	int out = log_fd >= 0 ? log_fd : null_fd;
	if (note != NULL && log_fd >= 0)
		write_all(log_fd, note, strlen(note));
	pid_t pid;
	int e = spawn_process(spec->exit_command, null_fd, out, out, &pid);
	if (e != 0) {
		if (log_fd >= 0) {
			char text[128], line[PATH_MAX + 256];
			int n = snprintf(line, sizeof line, "monitor: cannot run exit command %s: %s\n", spec->exit_command[0],
					 errno_text(e, text, sizeof text));
			write_all(log_fd, line, n < 0 ? 0 : (size_t)n >= sizeof line ? sizeof line - 1 : (size_t)n);
		}
	} else {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
	}
	close_fd(log_fd);
	close_fd(null_fd);
}

int main(int argc, char **argv)
{
	keep_stdio_open();
	bool has_events = events_open();
	struct launch_spec spec;
	char err[PATH_MAX + 128];
	/* Parsing opens nothing; it comes first so that fd 4 survives when it is the attached client. */
	int parsed = parse_launch_spec(argc, argv, &spec, err, sizeof err);
	close_fds_from(parsed == 0 && spec.attached ? EVENT_FD + 2 : has_events ? EVENT_FD + 1 : EVENT_FD);
	ignore_signals();
	/* EPERM: we lead a session already (the engine spawns us detached); by hand, this detaches us. */
	setsid();
	/* Do not pin the launcher's working directory (it may be a mount someone wants to unmount). Paths in
	 * the spec are absolute (spec.c checks), and so must be the paths in the runtime's argv. */
	if (chdir("/") < 0)
		return EXIT_BAD_ARGS; /* cannot happen: / is always searchable for a process that runs */

	if (parsed != 0) {
		char message[sizeof err + 64];
		snprintf(message, sizeof message, "monitor: bad arguments: %s", err);
		events_start_failed(EXIT_CANNOT_RUN, message, strlen(message));
		return EXIT_BAD_ARGS;
	}

	struct outcome o;
	supervise(&spec, &o);

	static char note[PATH_MAX + 256];
	const char *exit_file_note = NULL;
	int e = write_exit_file(spec.exit_file, &o.record);
	/* ENOENT: the exit file's directory is gone, the container was removed while it ran (`rm -f`), so
	 * nobody will ask. Any other failure (a full or read-only disk) must not cost the engine its events
	 * nor the container its cleanup: report what we know, and say what happened in the exit-command log. */
	if (e != 0 && e != ENOENT) {
		char text[128];
		snprintf(note, sizeof note, "monitor: cannot write the exit file %s: %s\n", spec.exit_file,
			 errno_text(e, text, sizeof text));
		exit_file_note = note;
	}

	if (!o.started)
		events_start_failed(o.record.exit_code, o.message, o.message_len);
	events_exited(&o.record);
	bool engine_cleaned_up = events_hand_off();
	if (!engine_cleaned_up && spec.unmount != NULL)
		unmount_rootfs(spec.unmount);
	if (spec.exit_command != NULL && !engine_cleaned_up)
		run_exit_command(&spec, exit_file_note);
	return 0;
}
