/*
 * Names the engine reads back: errno codes as node spells them ("ENOENT: no such file or directory", the
 * shape of a node fs error, so that messages read the same whichever side produced them) and signal names
 * as node's child_process reports them ("SIGKILL").
 */
#ifndef TSENGINE_MONITOR_NAMES_H
#define TSENGINE_MONITOR_NAMES_H

#include <stddef.h>

/* Writes "ECODE: text" for errno `e` into buf (always NUL-terminated); returns buf. */
const char *errno_text(int e, char *buf, size_t size);

/* "SIGKILL" for 9; NULL for a signal node has no name for (the real-time ones). */
const char *signal_name(int sig);

#endif
