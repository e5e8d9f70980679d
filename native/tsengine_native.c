/*
 * tsengine's native addon: the syscalls Node cannot make by itself (DESIGN.md section 2).
 *
 * One JS function per syscall, synchronous. A failing call throws an Error shaped like Node's own fs
 * errors: message "ENOENT: no such file or directory, mknod '/x'", and properties code (the errno
 * name), errno (negative, as in Node), syscall and path.
 *
 *   mknod(path: string, mode: number, major: number, minor: number): void
 *   lsetxattr(path: string, name: string, value: Uint8Array): void
 *   lgetxattr(path: string, name: string): Buffer | undefined      (undefined on ENODATA)
 *   llistxattr(path: string): string[]
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

/* A pending exception is already set when a napi_* call fails; just unwind. */
#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) goto fail;                                                                        \
  } while (0)

static void throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  const char *name = uv_err_name(-err);
  const char *desc = uv_strerror(-err);
  size_t len = strlen(name) + strlen(desc) + strlen(syscall) + (path ? strlen(path) : 0) + 16;
  char *msg = malloc(len);
  if (msg == NULL) {
    napi_throw_error(env, name, desc);
    return;
  }
  if (path)
    snprintf(msg, len, "%s: %s, %s '%s'", name, desc, syscall, path);
  else
    snprintf(msg, len, "%s: %s, %s", name, desc, syscall);

  napi_value js_msg, js_code, error, value;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok ||
      napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &js_code) != napi_ok ||
      napi_create_error(env, js_code, js_msg, &error) != napi_ok) {
    free(msg);
    return;
  }
  free(msg);
  if (napi_create_int32(env, -err, &value) == napi_ok) napi_set_named_property(env, error, "errno", value);
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &value) == napi_ok)
    napi_set_named_property(env, error, "syscall", value);
  if (path && napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &value) == napi_ok)
    napi_set_named_property(env, error, "path", value);
  napi_throw(env, error);
}

/* Copies a JS string argument into a new NUL-terminated buffer; throws a TypeError when it is not a string
 * or contains a NUL byte (which would silently shorten a path). */
static char *get_string(napi_env env, napi_value value, const char *arg) {
  char what[96];
  size_t len;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    snprintf(what, sizeof what, "The \"%s\" argument must be of type string", arg);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, value, s, len + 1, &len) != napi_ok) {
    free(s);
    return NULL;
  }
  if (strlen(s) != len) {
    free(s);
    snprintf(what, sizeof what, "The \"%s\" argument must not contain null bytes", arg);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", what);
    return NULL;
  }
  return s;
}

static int get_uint32(napi_env env, napi_value value, const char *arg, uint32_t *out) {
  char what[96];
  if (napi_get_value_uint32(env, value, out) != napi_ok) {
    snprintf(what, sizeof what, "The \"%s\" argument must be of type number", arg);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return 0;
  }
  return 1;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return 0;
  }
  return 1;
}

static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  char *path = NULL;
  uint32_t mode, major_, minor_;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!get_uint32(env, argv[1], "mode", &mode) ||
      !get_uint32(env, argv[2], "major", &major_) ||
      !get_uint32(env, argv[3], "minor", &minor_))
    return NULL;
  path = get_string(env, argv[0], "path");
  if (path == NULL) return NULL;
  if (mknod(path, (mode_t)mode, makedev(major_, minor_)) != 0) throw_errno(env, errno, "mknod", path);
  free(path);
  return NULL;
}

static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char *path = NULL, *name = NULL;
  void *data = NULL;
  size_t size = 0;
  bool is_typedarray = false;
  if (!get_args(env, info, 3, argv)) return NULL;
  CHECK(napi_is_typedarray(env, argv[2], &is_typedarray));
  if (is_typedarray) {
    napi_typedarray_type type;
    CHECK(napi_get_typedarray_info(env, argv[2], &type, &size, &data, NULL, NULL));
    if (type != napi_uint8_array) is_typedarray = false;
  }
  if (!is_typedarray) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"value\" argument must be a Uint8Array");
    return NULL;
  }
  path = get_string(env, argv[0], "path");
  if (path == NULL) goto fail;
  name = get_string(env, argv[1], "name");
  if (name == NULL) goto fail;
  if (lsetxattr(path, name, size == 0 ? "" : data, size, 0) != 0) throw_errno(env, errno, "lsetxattr", path);
fail:
  free(path);
  free(name);
  return NULL;
}

static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2], result = NULL;
  char *path = NULL, *name = NULL, *buf = NULL;
  if (!get_args(env, info, 2, argv)) return NULL;
  path = get_string(env, argv[0], "path");
  if (path == NULL) goto fail;
  name = get_string(env, argv[1], "name");
  if (name == NULL) goto fail;
  for (;;) { /* the value may grow between the size query and the read: retry on ERANGE */
    ssize_t size = lgetxattr(path, name, NULL, 0);
    if (size < 0) {
      if (errno == ENODATA) CHECK(napi_get_undefined(env, &result));
      else throw_errno(env, errno, "lgetxattr", path);
      goto fail;
    }
    free(buf);
    buf = malloc(size == 0 ? 1 : (size_t)size);
    if (buf == NULL) {
      napi_throw_error(env, "ENOMEM", "out of memory");
      goto fail;
    }
    ssize_t got = lgetxattr(path, name, buf, (size_t)size);
    if (got < 0 && errno == ERANGE) continue;
    if (got < 0) {
      if (errno == ENODATA) CHECK(napi_get_undefined(env, &result));
      else throw_errno(env, errno, "lgetxattr", path);
      goto fail;
    }
    CHECK(napi_create_buffer_copy(env, (size_t)got, buf, NULL, &result));
    break;
  }
fail:
  free(path);
  free(name);
  free(buf);
  return result;
}

static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  char *path = NULL, *buf = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  path = get_string(env, argv[0], "path");
  if (path == NULL) goto fail;
  for (;;) {
    ssize_t size = llistxattr(path, NULL, 0);
    if (size < 0) {
      throw_errno(env, errno, "llistxattr", path);
      goto fail;
    }
    free(buf);
    buf = malloc(size == 0 ? 1 : (size_t)size);
    if (buf == NULL) {
      napi_throw_error(env, "ENOMEM", "out of memory");
      goto fail;
    }
    ssize_t got = llistxattr(path, buf, (size_t)size);
    if (got < 0 && errno == ERANGE) continue;
    if (got < 0) {
      throw_errno(env, errno, "llistxattr", path);
      goto fail;
    }
    CHECK(napi_create_array(env, &result));
    uint32_t index = 0;
    for (ssize_t at = 0; at < got;) { /* names are NUL-separated */
      size_t len = strnlen(buf + at, (size_t)(got - at));
      napi_value item;
      CHECK(napi_create_string_utf8(env, buf + at, len, &item));
      CHECK(napi_set_element(env, result, index++, item));
      at += (ssize_t)len + 1;
    }
    break;
  }
fail:
  free(path);
  free(buf);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
