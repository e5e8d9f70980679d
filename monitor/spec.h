/*
 * The launch spec, from the monitor's command line (monitor/protocol.ts launchArgv() writes it):
 *
 *   tsengine-monitor --cid ID --log PATH --exit-file PATH --pid-file PATH [--runtime-log PATH]
 *       [--stdin] [--attach-socket PATH] [--attached] [--console-socket PATH [--tty-size ROWSxCOLS]]
 *       [--runtime-detaches] [--start-arg ARG]... [--oom-cgroup DIR] [--exit-command-log PATH] [--exit-command-arg ARG]...
 *       -- RUNTIME [ARG]...
 *
 * Every option takes the next argument whole as its value, so a value may start with "--". The runtime's
 * environment is the monitor's own. Paths are absolute (the monitor runs in /).
 */
#ifndef TSENGINE_MONITOR_SPEC_H
#define TSENGINE_MONITOR_SPEC_H

#include <stdbool.h>
#include <stddef.h>

struct launch_spec {
	const char *container_id;
	/* The container's CRI (k8s-file) log, appended. */
	const char *log_path;
	/* Written atomically when the runtime exits. */
	const char *exit_file;
	/* Written by the runtime: its appearance means "started". */
	const char *pid_file;
	/* The runtime's own JSON log (--log … --log-format json), or NULL. */
	const char *runtime_log;
	/* The container's stdin is a pipe we hold (docker -i), else /dev/null. */
	bool stdin_pipe;
	/* Clients of this unix socket see the output, feed stdin (with stdin_pipe), resize the TTY (attach.h). Or NULL. */
	const char *attach_socket;
	/* fd 4 is a connected socket: the first attach client, there before the runtime starts (no output missed). */
	bool attached;
	/* The runtime sends a pty master here (a container TTY, console.h), or NULL. */
	const char *console_socket;
	/* The TTY's initial size, or 0x0 (leave it). */
	unsigned short tty_rows, tty_cols;
	/* The runtime exits once the process runs (`--detach`): we are a subreaper, and the status of the
	 * process in the pid file, reparented to us, is the exit code (runc's --console-socket needs --detach). */
	bool runtime_detaches;
	/* The container's root filesystem mount, unmounted after the exit unless the engine cleaned up, or NULL. */
	const char *unmount;
	/* The container's v1 memory cgroup directory: OOM kills there are reported (oom.h). Or NULL. */
	const char *oom_cgroup;
	/* Where the exit command's output goes (appended), or NULL for /dev/null. */
	const char *exit_command_log;
	/* NULL-terminated; NULL when there is no exit command. */
	char **exit_command;
	/* With runtime_detaches: the command line that starts the container once RUNTIME (then a `create`) has
	 * exited 0 and its console master, if any, is ours with its size set (runsc ignores process.consoleSize,
	 * so its terminal gets the size before the process runs only this way). NULL-terminated, or NULL. */
	char **start_argv;
	/* NULL-terminated, at least one element: the runtime command line, run in the foreground. */
	char **runtime_argv;
};

/* Fills spec from main()'s argv. Returns 0, or -1 with a one-line reason in err. */
int parse_launch_spec(int argc, char **argv, struct launch_spec *spec, char *err, size_t err_size);

#endif
