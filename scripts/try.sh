#!/usr/bin/env bash
# One command from a fresh Debian 12 machine (as root) to a running container: installs the dependencies,
# builds tsengine, pulls busybox and runs it. From Docker Hub when it answers; otherwise (no internet, as on our
# build machines) from a docker-registry started on 127.0.0.1 and fed with the shared busybox fixture.
# Set TSENGINE_OFFLINE=1 to skip the Docker Hub probe entirely.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

bash .ci/run --setup-only
# node-gyp builds the native parts on install from node's own headers (no download) when they are installed.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
npm ci --no-audit --no-fund </dev/null
npm run build </dev/null
ln -sf "$PWD/dist/cmd/tsengine" /usr/local/bin/tsengine

image=docker.io/library/busybox:1.38.0-musl
# Any HTTP answer (Docker Hub says 401 to an anonymous /v2/) means it is reachable.
if [ "${TSENGINE_OFFLINE:-0}" = 1 ] || ! curl -sS -m 5 -o /dev/null https://registry-1.docker.io/v2/ 2>/dev/null; then
  fixtures="${TSENGINE_FIXTURES:-$PWD/../shared/fixtures}/oci/busybox-1.38.0-musl/amd64"
  dir=$(mktemp -d /tmp/tsengine-try-XXXXXX)
  port=5055
  printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\nlog:\n  level: error\n' "$dir/data" "$port" >"$dir/config.yml"
  setpriv --pdeathsig KILL docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  registry=$!
  trap 'kill $registry 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
  echo "Docker Hub is unreachable: serving the busybox fixture from a registry on 127.0.0.1:$port"
  skopeo copy -q --dest-tls-verify=false "oci:$fixtures" "docker://127.0.0.1:$port/library/busybox:1.38.0-musl"
  image=127.0.0.1:$port/library/busybox:1.38.0-musl
fi

tsengine pull "$image"
tsengine images
tsengine run --rm "$image" sh -c 'echo "hello from a $(uname -m) container, pid $$"'
