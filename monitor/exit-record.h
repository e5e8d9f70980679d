/*
 * The exit record: how the container ended, as ExitRecord JSON (monitor/protocol.ts), written to the exit
 * file and sent in the `exited` event. The exit file is the durable answer `wait` reads long after the CLI
 * and the monitor are gone.
 */
#ifndef TSENGINE_MONITOR_EXIT_RECORD_H
#define TSENGINE_MONITOR_EXIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "json.h"

struct exit_record {
	int exit_code;
	/* The runtime process itself died by this signal (node's name), or NULL. */
	const char *signal;
	struct timespec finished_at;
	bool has_started_at;
	struct timespec started_at;
	/* The runtime's last error-level log message, or the monitor's reason for not running it; or NULL. */
	const char *runtime_error;
	size_t runtime_error_len;
	/* The container's pid from the pid file, or 0. */
	pid_t pid;
	/* The kernel's OOM killer killed a process of the container (oom.h). */
	bool oom_killed;
};

/* The record as one JSON object, keys in protocol.ts's order (so JSON.stringify() of the decoded record
 * gives back the same bytes). */
void exit_record_json(struct json_out *o, const struct exit_record *r);

/*
 * Writes the exit file as conmon writes its `exit`: a temp file in the same directory, fsync, rename over
 * the final name, fsync the directory, so a reader sees no file or the whole record, even after a crash.
 * Returns 0 or the errno of the step that failed (and removes the temp file).
 */
int write_exit_file(const char *path, const struct exit_record *r);

#endif
