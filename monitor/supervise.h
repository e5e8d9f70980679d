/*
 * One run of the runtime, from spawn to the exit record:
 *   1. remove the previous run's pid and exit files; open the log; adopt the attached client (fd 4) and
 *      listen on the attach and console sockets (if any)
 *   2. spawn the runtime in the foreground (`RUNTIME run …` stays the parent of the container's init and
 *      exits with its status, DESIGN.md §3), stdio [stdin pipe or /dev/null, pipe, pipe]; or, with
 *      --runtime-detaches, as a subreaper whose exit code is that of the process the runtime leaves behind
 *   3. copy stdout/stderr (and a TTY's master, once the runtime sent it) into the CRI log and to attach
 *      clients; report `started` when the pid file appears
 *   4. on exit: drain the streams and the clients' output (at most 2 s), then fill in the exit record
 * Anything that keeps the runtime from running at all (runtime binary missing, log not writable, attach
 * socket unusable) ends the same way, with exit code 125 and the reason as runtimeError, so `wait` still
 * gets an answer.
 */
#ifndef TSENGINE_MONITOR_SUPERVISE_H
#define TSENGINE_MONITOR_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>

#include "exit-record.h"
#include "spec.h"

/* podman's "the engine failed" code: the runtime never ran. */
#define EXIT_CANNOT_RUN 125

struct outcome {
	struct exit_record record;
	/* `started` was reported (the pid file appeared). */
	bool started;
	/* When not started: the `start-failed` message. */
	const char *message;
	size_t message_len;
};

/* Runs the runtime to its exit (reporting `started` on the way) and fills o. Never fails: a run that could
 * not happen is an outcome too. Pointers in o stay valid until the monitor exits. */
void supervise(const struct launch_spec *spec, struct outcome *o);

#endif
