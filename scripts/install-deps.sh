#!/usr/bin/env bash
# Installs what tsengine and its test suite need on a fresh Debian 12 machine, as root: the runtimes, the
# registry and the clients the tests feed it with, the binaries the engine calls; then mounts the hugetlb
# cgroup v1 hierarchy crun needs on a hybrid host. Idempotent. Shared by .ci/run and scripts/try.sh.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

log() { printf '\n=== %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "$0 must run as root (it installs packages and mounts the hugetlb cgroup)" >&2
  exit 1
fi

# --- system packages ---------------------------------------------------------------------------------------
# Container runtimes and their helpers, the registry and clients the tests feed it with, and the binaries the
# engine calls (mount/umount, setfattr, unshare/nsenter/setpriv, newuidmap, ip).
packages=(
  runc crun runsc conmon catatonit tini
  skopeo umoci buildah podman docker-registry
  uidmap slirp4netns fuse-overlayfs
  util-linux mount iproute2 procps attr jq zstd gzip tar xz-utils ca-certificates time curl
)

# Keep package maintainer scripts from starting services (docker-registry ships one listening on :5000).
# policy-rc.d is honoured by invoke-rc.d and deb-systemd-invoke; only ours is removed afterwards.
own_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  own_policy=1
fi
remove_policy() { if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; own_policy=0; fi; }
trap remove_policy EXIT

log "apt-get update"
for attempt in 1 2 3; do
  if apt-get update </dev/null; then break; fi
  if [ "$attempt" = 3 ]; then exit 1; fi
  sleep $((attempt * 5))
done

log "apt-get install"
apt-get install -y --no-install-recommends "${packages[@]}" </dev/null
remove_policy

# If the registry service runs anyway (installed earlier without a policy, or started by systemd), stop and
# disable it: the tests start their own registries on free loopback ports.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/docker-registry ] && [ -s /var/run/docker-registry.pid ]; then
  /etc/init.d/docker-registry stop </dev/null || true
fi

# --- cgroups -----------------------------------------------------------------------------------------------
# crun 1.8 refuses a cgroup v1/hybrid layout unless the hugetlb hierarchy is mounted. Only on v1/hybrid hosts
# (/sys/fs/cgroup is a tmpfs of per-controller mounts); on a v2-only host (cgroup2fs) there is nothing to do.
mount_hugetlb() {
  local root=/sys/fs/cgroup fstype
  fstype="$(stat -fc %T "$root" 2>/dev/null || echo none)"
  if [ "$fstype" != tmpfs ]; then
    echo "cgroup layout: $fstype (not v1/hybrid): no hugetlb v1 hierarchy needed"
    return 0
  fi
  if mountpoint -q "$root/hugetlb"; then
    echo "hugetlb cgroup hierarchy already mounted"
    return 0
  fi
  if ! awk '$1 == "hugetlb" && $4 == 1 { found = 1 } END { exit !found }' /proc/cgroups; then
    warn "kernel has no hugetlb cgroup controller; crun tests may fail"
    return 0
  fi
  if ! mkdir -p "$root/hugetlb" 2>/dev/null; then
    # systemd mounts the v1 tmpfs read-only: open it just long enough to add the mount point.
    local made=0
    if mount -o remount,rw "$root"; then
      mkdir -p "$root/hugetlb" && made=1
      mount -o remount,ro "$root" || true
    fi
    if [ "$made" != 1 ]; then
      warn "cannot create $root/hugetlb; crun tests may fail"
      return 0
    fi
  fi
  if mount -t cgroup -o hugetlb cgroup "$root/hugetlb"; then
    echo "mounted the hugetlb cgroup hierarchy"
  else
    warn "cannot mount the hugetlb cgroup hierarchy; crun tests may fail"
  fi
}
log "cgroups"
mount_hugetlb
