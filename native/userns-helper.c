/*
 * tsengine-userns: the rootless user namespace's holder, and the way into it (DESIGN.md §6).
 *
 * Node is multi-threaded from its first instruction, and setns(CLONE_NEWUSER) refuses a multi-threaded
 * process, so node can never enter a user namespace itself. This small single-threaded program does it and
 * then execs node (podman does the same in a C constructor that runs before the Go runtime starts threads).
 *
 *   tsengine-userns holder IDLE_SECONDS
 *       unshare(CLONE_NEWUSER); prints "U\n" on stdout; waits for "G" on stdin, sent once the parent has run
 *       newuidmap/newgidmap on it (only a process outside the namespace can write its maps from the
 *       subordinate ranges); then unshare(CLONE_NEWNS), makes / a recursive slave, prints "R\n", detaches
 *       (setsid, stdio to /dev/null) and sleeps. Every 2 s it looks for other processes in its user
 *       namespace (CLIs that joined, monitors, runtimes, containers); once it has been alone for
 *       IDLE_SECONDS it exits (0: never). Nothing needs the namespace then: every process that used it is
 *       gone, and so is every mount made in it (a container's overlay lives only as long as its monitor).
 *   tsengine-userns join PID -- ARGV...
 *       setns into PID's user and mount namespaces, back to the caller's working directory, exec ARGV.
 *   tsengine-userns join-default -- ARGV...
 *       The launcher's fast path: reads the holder's pid file at the default place (the rule of
 *       engine/rootless/paths.ts, kept in step by test/unit/rootless-paths.test.ts) and joins it when it
 *       is alive (pid + start time match); otherwise execs ARGV as it is, and the CLI starts a holder.
 *   tsengine-userns netns PATH
 *       A container's network namespace, made before its runtime starts (podman's way): unshare(CLONE_NEWNET),
 *       bring `lo` up, bind-mount /proc/self/ns/net onto PATH (created empty when missing), exit. The mount
 *       keeps the namespace alive; config.json joins it by path and slirp4netns plugs tap0 into it. Run by
 *       the engine, so rootless it is inside the holder's namespaces and the network namespace belongs to
 *       the holder's user namespace. Teardown is the engine's: unmount PATH, remove it.
 *   tsengine-userns netns PATH --unprivileged-net
 *       The same, for a container with a user namespace of its own (keep-id, --uidmap): its root has no
 *       capability over a network namespace of the holder's, so ports below 1024 and ping are opened to
 *       every user of this namespace (ip_unprivileged_port_start 0, ping_group_range 0 to its highest gid), which
 *       is what the container's root could do in a namespace of its own.
 *
 * Exit codes: 125 with one "Error: …" line on stderr, as the CLI's engine errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <grp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define POLL_SECONDS 2

static void die(const char *what) {
  fprintf(stderr, "Error: tsengine-userns: %s: %s\n", what, strerror(errno));
  exit(125);
}

/* Field 22 of /proc/PID/stat (start time in clock ticks), or 0 when the process is gone. */
static unsigned long long start_time(long pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
  if (p == NULL) return 0;
  p += 2;
  for (int field = 3; field < 22 && p != NULL; field++) {
    p = strchr(p, ' ');
    if (p != NULL) p++;
  }
  return p == NULL ? 0 : strtoull(p, NULL, 10);
}

static int write_all(int fd, const char *s) {
  size_t len = strlen(s);
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    s += n;
    len -= (size_t)n;
  }
  return 0;
}

/* How many processes other than us are in the user namespace whose inode is `ino`. */
static int others_in_namespace(ino_t ino) {
  DIR *d = opendir("/proc");
  if (d == NULL) return 1; /* cannot tell: stay */
  int count = 0;
  pid_t self = getpid();
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
    /* Other users' processes: EACCES; ours and those of our namespace's mapped IDs: readable. */
    if (stat(path, &st) == 0 && st.st_ino == ino) count++;
  }
  closedir(d);
  return count;
}

static int holder(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: tsengine-userns holder IDLE_SECONDS\n");
    return 2;
  }
  long idle = strtol(argv[2], NULL, 10);
  if (unshare(CLONE_NEWUSER) != 0) die("unshare(CLONE_NEWUSER)");
  if (write_all(1, "U\n") != 0) die("writing to the parent");
  char go;
  ssize_t n;
  do n = read(0, &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1 || go != 'G') return 1; /* the parent could not write our maps (it says why) */
  if (setresgid(0, 0, 0) != 0) die("setresgid(0)");
  if (setresuid(0, 0, 0) != 0) die("setresuid(0)");
  if (unshare(CLONE_NEWNS) != 0) die("unshare(CLONE_NEWNS)");
  /* Host mounts reach us, ours never reach the host (a namespace made by an unprivileged user already
   * turns shared mounts into slaves; this says so explicitly). */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) die("making / a slave mount");
  if (write_all(1, "R\n") != 0) die("writing to the parent");
  setsid();
  signal(SIGHUP, SIG_IGN);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  if (chdir("/") != 0) { /* nothing to report to: stderr is /dev/null now */ }
  struct stat self;
  if (stat("/proc/self/ns/user", &self) != 0) return 1;
  long alone = 0;
  for (;;) {
    sleep(POLL_SECONDS);
    if (idle <= 0) continue;
    if (others_in_namespace(self.st_ino) > 0) alone = 0;
    else if ((alone += POLL_SECONDS) >= idle) return 0;
  }
}

/* Opens PID's user and mount namespaces; -1 when it has none any more (gone, or a zombie nobody reaped). */
static int open_namespaces(long pid, int *userfd, int *mntfd) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
  *userfd = open(path, O_RDONLY | O_CLOEXEC);
  if (*userfd < 0) return -1;
  snprintf(path, sizeof path, "/proc/%ld/ns/mnt", pid);
  *mntfd = open(path, O_RDONLY | O_CLOEXEC);
  if (*mntfd < 0) {
    close(*userfd);
    return -1;
  }
  return 0;
}

static int join_fds(int userfd, int mntfd, char **argv) {
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL) die("getcwd");
  if (setns(userfd, CLONE_NEWUSER) != 0) die("setns(user)");
  if (setns(mntfd, CLONE_NEWNS) != 0) die("setns(mnt)");
  close(userfd);
  close(mntfd);
  /* Entering a mount namespace moves root and cwd to its root: go back to where the caller was. */
  if (chdir(cwd) != 0 && chdir("/") != 0) die("chdir");
  /* Our host uid is root's in the namespace already. The supplementary groups stay (unmapped, they show as
   * the overflow gid), as podman's do: `--group-add keep-groups` hands them to the container (crun), and
   * every other container gets the groups its runtime sets. */
  if (setresgid(0, 0, 0) != 0) die("setresgid(0)");
  if (setresuid(0, 0, 0) != 0) die("setresuid(0)");
  execvp(argv[0], argv);
  die(argv[0]);
  return 125;
}

/* The default run directory, as engine/rootless/paths.ts computes it. */
static int default_run_dir(char *out, size_t size) {
  uid_t uid = geteuid();
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg != NULL && xdg[0] == '/') return snprintf(out, size, "%s/tsengine", xdg) < (int)size ? 0 : -1;
  char run[64];
  struct stat st;
  snprintf(run, sizeof run, "/run/user/%u", (unsigned)uid);
  if (stat(run, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid && (st.st_mode & 0777) == 0700) {
    return snprintf(out, size, "%s/tsengine", run) < (int)size ? 0 : -1;
  }
  const char *tmp = getenv("TMPDIR");
  if (tmp == NULL || tmp[0] != '/') tmp = "/tmp";
  return snprintf(out, size, "%s/tsengine-run-%u", tmp, (unsigned)uid) < (int)size ? 0 : -1;
}

static int join_default(char **argv) {
  char dir[PATH_MAX], path[PATH_MAX + 16], buf[128];
  if (default_run_dir(dir, sizeof dir) == 0 && snprintf(path, sizeof path, "%s/userns.pid", dir) < (int)sizeof path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      ssize_t n = read(fd, buf, sizeof buf - 1);
      close(fd);
      long pid = 0;
      unsigned long long start = 0;
      if (n > 0) {
        buf[n] = '\0';
        if (sscanf(buf, "%ld %llu", &pid, &start) != 2) pid = 0;
      }
      int userfd, mntfd;
      if (pid > 0 && start != 0 && start_time(pid) == start && open_namespaces(pid, &userfd, &mntfd) == 0) return join_fds(userfd, mntfd, argv);
    }
  }
  execvp(argv[0], argv); /* no live holder: the CLI makes one */
  die(argv[0]);
  return 125;
}

static void write_sysctl(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  size_t n = strlen(value);
  if (write(fd, value, n) != (ssize_t)n) die(path);
  close(fd);
}

/* The highest group ID /proc/self/gid_map maps (0 when it says nothing). */
static unsigned long highest_mapped_gid(void) {
  FILE *f = fopen("/proc/self/gid_map", "re");
  if (f == NULL) die("/proc/self/gid_map");
  unsigned long inside, outside, count, highest = 0;
  while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
    if (count > 0 && inside + count - 1 > highest) highest = inside + count - 1;
  fclose(f);
  return highest;
}

static int netns(const char *path, bool unprivileged_net) {
  int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) die(path);
  close(fd);
  if (unshare(CLONE_NEWNET) != 0) die("unshare(CLONE_NEWNET)");
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) die("reading lo's flags");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die("bringing lo up");
  close(s);
  /* /proc/sys/net is the writer's network namespace: the new one. */
  if (unprivileged_net) {
    write_sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0");
    /* The range must be of groups this user namespace maps: 0 up to its highest. */
    char range[32];
    snprintf(range, sizeof range, "0 %lu", highest_mapped_gid());
    write_sysctl("/proc/sys/net/ipv4/ping_group_range", range);
  }
  if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) != 0) die("bind-mounting the network namespace");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "holder") == 0) return holder(argc, argv);
  if (argc >= 5 && strcmp(argv[1], "join") == 0 && strcmp(argv[3], "--") == 0) {
    long pid = strtol(argv[2], NULL, 10);
    if (pid <= 0) {
      fprintf(stderr, "Error: tsengine-userns: bad pid %s\n", argv[2]);
      return 125;
    }
    int userfd, mntfd;
    if (open_namespaces(pid, &userfd, &mntfd) != 0) die("opening the holder's namespaces");
    return join_fds(userfd, mntfd, argv + 4);
  }
  if (argc == 3 && strcmp(argv[1], "netns") == 0) return netns(argv[2], false);
  if (argc == 4 && strcmp(argv[1], "netns") == 0 && strcmp(argv[3], "--unprivileged-net") == 0) return netns(argv[2], true);
  if (argc >= 4 && strcmp(argv[1], "join-default") == 0 && strcmp(argv[2], "--") == 0) return join_default(argv + 3);
  fprintf(stderr, "usage: tsengine-userns holder IDLE_SECONDS | join PID -- ARGV... | join-default -- ARGV... | netns PATH [--unprivileged-net]\n");
  return 2;
}
