/* File-descriptor chores shared by the monitor's parts. Each returns 0 or an errno, never sets a global. */
#ifndef TSENGINE_MONITOR_IO_H
#define TSENGINE_MONITOR_IO_H

#include <stdbool.h>
#include <stddef.h>

/* write(2) until all of buf is written, retrying EINTR. */
int write_all(int fd, const void *buf, size_t n);
int set_nonblocking(int fd);
int set_cloexec(int fd);
/* A non-blocking, close-on-exec AF_UNIX stream socket listening at path (a stale file there is replaced). */
int listen_unix(const char *path, int backlog, int *fd);
/* close(2) that keeps errno; a no-op for fd < 0. Returns -1 for the caller to store. */
int close_fd(int fd);

#endif
