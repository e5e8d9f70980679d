#include "names.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

struct errno_name {
	int code;
	const char *name;
};

/* The errnos a monitor can meet in setting up a run (files, pipes, sockets, exec), by name. */
static const struct errno_name ERRNOS[] = {
	{EPERM, "EPERM"},         {ENOENT, "ENOENT"},       {ESRCH, "ESRCH"},
	{EINTR, "EINTR"},         {EIO, "EIO"},             {ENXIO, "ENXIO"},
	{E2BIG, "E2BIG"},         {ENOEXEC, "ENOEXEC"},     {EBADF, "EBADF"},
	{ECHILD, "ECHILD"},       {EAGAIN, "EAGAIN"},       {ENOMEM, "ENOMEM"},
	{EACCES, "EACCES"},       {EFAULT, "EFAULT"},       {EBUSY, "EBUSY"},
	{EEXIST, "EEXIST"},       {EXDEV, "EXDEV"},         {ENODEV, "ENODEV"},
	{ENOTDIR, "ENOTDIR"},     {EISDIR, "EISDIR"},       {EINVAL, "EINVAL"},
	{ENFILE, "ENFILE"},       {EMFILE, "EMFILE"},       {ENOTTY, "ENOTTY"},
	{ETXTBSY, "ETXTBSY"},     {EFBIG, "EFBIG"},         {ENOSPC, "ENOSPC"},
	{ESPIPE, "ESPIPE"},       {EROFS, "EROFS"},         {EMLINK, "EMLINK"},
	{EPIPE, "EPIPE"},         {ENAMETOOLONG, "ENAMETOOLONG"},
	{ENOSYS, "ENOSYS"},       {ELOOP, "ELOOP"},         {EDQUOT, "EDQUOT"},
	{ENOTSOCK, "ENOTSOCK"},   {EADDRINUSE, "EADDRINUSE"},
	{EADDRNOTAVAIL, "EADDRNOTAVAIL"},                   {ECONNRESET, "ECONNRESET"},
	{ENOTCONN, "ENOTCONN"},   {ECONNREFUSED, "ECONNREFUSED"},
	{ELIBBAD, "ELIBBAD"},     {EOVERFLOW, "EOVERFLOW"},
};

const char *errno_text(int e, char *buf, size_t size)
{
	const char *name = NULL;
	for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++) {
		if (ERRNOS[i].code == e) {
			name = ERRNOS[i].name;
			break;
		}
	}
	/* We never call setlocale(), so strerror() speaks the C locale; libuv (node) lower-cases its first letter. */
	const char *text = strerror(e);
	char first = text[0] >= 'A' && text[0] <= 'Z' ? (char)(text[0] - 'A' + 'a') : text[0];
	if (name != NULL)
		snprintf(buf, size, "%s: %c%s", name, first, text[0] != '\0' ? text + 1 : "");
	else
		snprintf(buf, size, "errno %d: %c%s", e, first, text[0] != '\0' ? text + 1 : "");
	return buf;
}

const char *signal_name(int sig)
{
	/* node's signo_string(): where two names share a number, the first one here is node's. */
	switch (sig) {
	case SIGHUP: return "SIGHUP";
	case SIGINT: return "SIGINT";
	case SIGQUIT: return "SIGQUIT";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGUSR1: return "SIGUSR1";
	case SIGSEGV: return "SIGSEGV";
	case SIGUSR2: return "SIGUSR2";
	case SIGPIPE: return "SIGPIPE";
	case SIGALRM: return "SIGALRM";
	case SIGTERM: return "SIGTERM";
	case SIGCHLD: return "SIGCHLD";
#ifdef SIGSTKFLT
	case SIGSTKFLT: return "SIGSTKFLT";
#endif
	case SIGCONT: return "SIGCONT";
	case SIGSTOP: return "SIGSTOP";
	case SIGTSTP: return "SIGTSTP";
	case SIGTTIN: return "SIGTTIN";
	case SIGTTOU: return "SIGTTOU";
	case SIGURG: return "SIGURG";
	case SIGXCPU: return "SIGXCPU";
	case SIGXFSZ: return "SIGXFSZ";
	case SIGVTALRM: return "SIGVTALRM";
	case SIGPROF: return "SIGPROF";
	case SIGWINCH: return "SIGWINCH";
	case SIGIO: return "SIGIO";
#ifdef SIGPWR
	case SIGPWR: return "SIGPWR";
#endif
	case SIGSYS: return "SIGSYS";
	default: return NULL;
	}
}
