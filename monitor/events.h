/*
 * The event channel: fd 3, a socketpair end from the engine's spawn(). One JSON line per event, exactly
 * as monitor/protocol.ts encodes MonitorEvent. Without fd 3 (or when it is not a socket or FIFO) nothing
 * is reported; when the listener goes away, reporting stops and the monitor carries on.
 */
#ifndef TSENGINE_MONITOR_EVENTS_H
#define TSENGINE_MONITOR_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "exit-record.h"

#define EVENT_FD 3

/* Adopts fd 3 if it is a socket or a FIFO (marking it close-on-exec). Returns whether it did. */
bool events_open(void);
void events_started(pid_t pid, pid_t monitor_pid);
void events_start_failed(int exit_code, const char *message, size_t message_len);
void events_exited(const struct exit_record *r);

/*
 * The cleanup hand-off, after `exited` (see protocol.ts): half-closes the channel, then reads it to EOF.
 * Returns true when the engine wrote 'D' (it cleaned up itself: skip the exit command); false on EOF
 * without it, or when nobody was listening any more.
 */
bool events_hand_off(void);

#endif
