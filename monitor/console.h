/*
 * A container TTY (`--console-socket`, runtime-spec process.terminal): the runtime creates the pty and sends
 * its master over a unix socket we listen on, as SCM_RIGHTS (runc docs/terminals.md). We own the master from
 * then on: the container's output is read from it, stdin and resizes are written to it.
 *
 * The initial size. The runtime sends the master during create and starts the process right after, without
 * waiting for us, so TIOCSWINSZ on receipt races the process's first look at its terminal (checked: a process
 * that runs `stty size` 0.1 s after receipt sees the size only if it was set before). runc and crun set
 * config.json's process.consoleSize themselves before the process runs (the engine writes it there too);
 * runsc 2022-12 ignores it, and our ioctl, microseconds after receipt, is ahead of its ~50-100 ms app start.
 */
#ifndef TSENGINE_MONITOR_CONSOLE_H
#define TSENGINE_MONITOR_CONSOLE_H

struct console {
	/* The listening socket, or -1 (none, closed, or the master arrived). */
	int listen_fd;
	const char *path;
	/* The pty master (non-blocking, close-on-exec), or -1 until it arrives. */
	int master;
	unsigned short rows, cols;
};

void console_init(struct console *c, unsigned short rows, unsigned short cols);
/* Listens before the runtime starts. Returns 0 or an errno. */
int console_listen(struct console *c, const char *path);
/* The listening socket is readable: accept the runtime's connection and take the master (sizing it when a
 * size was given). Stops listening either way. Returns the master, or -1 when none came. */
int console_receive(struct console *c);
/* Stops listening (removing the socket file) and closes the master. */
void console_close(struct console *c);

#endif
