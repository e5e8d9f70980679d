#include "oom.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

void oom_init(struct oom_watch *w, const char *dir)
{
	w->dir = dir;
	w->fd = -1;
	w->tried = false;
	w->killed = false;
}

static bool dir_exists(const char *dir)
{
	struct stat st;
	return stat(dir, &st) == 0;
}

void oom_arm(struct oom_watch *w)
{
	if (w->dir == NULL || w->tried)
		return;
	w->tried = true;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/memory.oom_control", w->dir);
	int ofd = open(path, O_RDONLY | O_CLOEXEC);
	if (ofd < 0)
		return; /* no v1 memory cgroup for this container (cgroup v2, rootless, a runtime of its own mind) */
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(path, sizeof path, "%s/cgroup.event_control", w->dir);
	int cfd = efd < 0 ? -1 : open(path, O_WRONLY | O_CLOEXEC);
	char line[64];
	int len = snprintf(line, sizeof line, "%d %d", efd, ofd);
	if (cfd >= 0 && write(cfd, line, (size_t)len) == len) {
		w->fd = efd;
		efd = -1;
	}
	if (cfd >= 0)
		close(cfd);
	if (efd >= 0)
		close(efd);
	close(ofd); /* the kernel holds its own reference to the file for the registration */
}

void oom_handle(struct oom_watch *w)
{
	uint64_t n;
	if (w->fd < 0 || read(w->fd, &n, sizeof n) != (ssize_t)sizeof n)
		return;
	if (dir_exists(w->dir))
		w->killed = true;
}

/* memory.oom_control's "oom_kill N" line (kernel ≥ 4.13). */
static long oom_kill_count(const char *dir)
{
	char path[PATH_MAX], buf[256];
	snprintf(path, sizeof path, "%s/memory.oom_control", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t r = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	const char *p = strstr(buf, "oom_kill ");
	return p == NULL ? 0 : strtol(p + strlen("oom_kill "), NULL, 10);
}

void oom_finish(struct oom_watch *w)
{
	if (w->fd >= 0) {
		oom_handle(w);
		close(w->fd);
		w->fd = -1;
	}
	if (w->dir != NULL && !w->killed && oom_kill_count(w->dir) > 0)
		w->killed = true;
}
