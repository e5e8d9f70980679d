{
  "targets": [
    {
      "target_name": "tsengine_native",
      "sources": ["native/tsengine_native.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["_GNU_SOURCE"]
    },
    {
      # The container monitor (monitor/tsengine-monitor.c): a plain executable, libc only. node-gyp's
      # addon defaults are for shared objects loaded into node; an executable needs none of -fPIC (the
      # compiler's default PIE is right), -pthread, -rdynamic, nor -O3 (-O2: size matters more here).
      "target_name": "tsengine-monitor",
      "type": "executable",
      "sources": [
        "monitor/tsengine-monitor.c",
        "monitor/attach.c",
        "monitor/clock.c",
        "monitor/console.c",
        "monitor/cri-log.c",
        "monitor/events.c",
        "monitor/exit-record.c",
        "monitor/io.c",
        "monitor/json-in.c",
        "monitor/json-out.c",
        "monitor/names.c",
        "monitor/oom.c",
        "monitor/runtime-log.c",
        "monitor/spawn.c",
        "monitor/spec.c",
        "monitor/supervise.c"
      ],
      "defines": ["_GNU_SOURCE"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Wshadow", "-Wstrict-prototypes", "-Wformat=2"],
      "cflags!": ["-fPIC", "-pthread", "-Wno-unused-parameter"],
      "ldflags!": ["-rdynamic", "-pthread"],
      "configurations": {
        "Release": { "cflags!": ["-O3"], "cflags": ["-O2"] }
      }
    },
    {
      # tsengine-userns (native/userns-helper.c): holds the rootless user namespace and execs the CLI into it
      # (node cannot setns(CLONE_NEWUSER): it is multi-threaded). A plain executable, as the monitor above.
      "target_name": "tsengine-userns",
      "type": "executable",
      "sources": ["native/userns-helper.c"],
      "defines": ["_GNU_SOURCE"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Wshadow", "-Wstrict-prototypes", "-Wformat=2"],
      "cflags!": ["-fPIC", "-pthread", "-Wno-unused-parameter"],
      "ldflags!": ["-rdynamic", "-pthread"],
      "configurations": {
        "Release": { "cflags!": ["-O3"], "cflags": ["-O2"] }
      }
    }
  ],
  "conditions": [
    # tsengine-seccomp (native/seccomp-compile.c): compiles seccomp profiles to BPF for crun, with libseccomp.
    # Optional: without libseccomp's headers (Debian: libseccomp-dev) it is not built, and crun compiles
    # each container's profile itself, as it does without us.
    ["<!(test -e /usr/include/seccomp.h && echo 1 || echo 0)==1", {
      "targets": [
        {
          "target_name": "tsengine-seccomp",
          "type": "executable",
          "sources": ["native/seccomp-compile.c"],
          "defines": ["_GNU_SOURCE"],
          "cflags": ["-std=c11", "-Wall", "-Wextra", "-Wshadow", "-Wstrict-prototypes", "-Wformat=2"],
          "cflags!": ["-fPIC", "-pthread", "-Wno-unused-parameter"],
          "ldflags!": ["-rdynamic", "-pthread"],
          "libraries": ["-lseccomp"],
          "configurations": {
            "Release": { "cflags!": ["-O3"], "cflags": ["-O2"] }
          }
        }
      ]
    }]
  ]
}
