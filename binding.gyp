{
  "targets": [
    {
      "target_name": "tsengine_native",
      "sources": ["native/tsengine_native.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["_GNU_SOURCE"]
    }
  ]
}
