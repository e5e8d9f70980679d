/* Starting a child (the runtime, the exit command) with exactly the stdio we choose. */
#ifndef TSENGINE_MONITOR_SPAWN_H
#define TSENGINE_MONITOR_SPAWN_H

#include <sys/types.h>

/*
 * Runs argv (looked up in PATH when argv[0] has no slash, as node's spawn does) with the monitor's
 * environment, stdin/stdout/stderr from in/out/err, every signal at its default disposition and none
 * blocked. Every other fd of ours is close-on-exec, so the child inherits 0-2 only. Returns 0, or the
 * errno of the failed fork or exec (glibc's posix_spawn reports exec failures, e.g. ENOENT, EACCES).
 */
int spawn_process(char *const argv[], int in, int out, int err, pid_t *pid);

#endif
