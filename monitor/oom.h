/*
 * OOM kills of the container, on cgroup v1 (conmon's oom.c does the same): an eventfd registered on the
 * container's memory cgroup (memory.oom_control via cgroup.event_control) fires on each OOM event and once
 * more when the cgroup is removed. The runtime removes the cgroup when the container exits, so the cause must
 * be read while it exists: an event seen while the cgroup directory is still there is an OOM; a last look at
 * memory.oom_control's oom_kill counter at the exit covers a wake-up we had no time to read.
 */
#ifndef TSENGINE_MONITOR_OOM_H
#define TSENGINE_MONITOR_OOM_H

#include <stdbool.h>

struct oom_watch {
	/* The container's memory cgroup directory (absolute), or NULL: no watch. */
	const char *dir;
	/* The eventfd, or -1 (not registered yet, or it could not be: no memory controller, cgroup v2). */
	int fd;
	bool tried;
	bool killed;
};

void oom_init(struct oom_watch *w, const char *dir);
/* Registers the eventfd once the cgroup exists (after the container started). Failures leave fd -1. */
void oom_arm(struct oom_watch *w);
/* fd is readable: count the event as an OOM if the cgroup still exists. */
void oom_handle(struct oom_watch *w);
/* At the exit: a pending event, or oom_kill > 0 in a cgroup still there; then closes the eventfd. */
void oom_finish(struct oom_watch *w);

#endif
