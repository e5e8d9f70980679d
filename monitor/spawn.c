#include "spawn.h"

#include <signal.h>
#include <spawn.h>
#include <unistd.h>

int spawn_process(char *const argv[], int in, int out, int err, pid_t *pid)
{
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	int e = posix_spawn_file_actions_init(&actions);
	if (e != 0)
		return e;
	e = posix_spawnattr_init(&attr);
	if (e != 0) {
		posix_spawn_file_actions_destroy(&actions);
		return e;
	}
	/* The monitor ignores these (see tsengine-monitor.c), and an ignored disposition survives exec. */
	sigset_t defaults, none;
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGPIPE);
	sigemptyset(&none);
	/* Our fds are all above 2 (main() keeps 0-2 open), so dup2 never meets itself here. */
	if ((e = posix_spawn_file_actions_adddup2(&actions, in, STDIN_FILENO)) == 0 &&
	    (e = posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO)) == 0 &&
	    (e = posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO)) == 0 &&
	    (e = posix_spawnattr_setsigdefault(&attr, &defaults)) == 0 &&
	    (e = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) == 0)
		e = posix_spawnp(pid, argv[0], &actions, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&actions);
	return e;
}
