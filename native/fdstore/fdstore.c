/*
 * blueox-fdstore: the two system calls oxd needs to hand its open connections
 * to its next instance through systemd's file descriptor store
 * (https://systemd.io/FILE_DESCRIPTOR_STORE/): sending file descriptors with
 * a notification (FDSTORE=1, SCM_RIGHTS on the notification socket), and a
 * memfd to carry the serialized state beside them.
 *
 * Why not sd-notify: that addon sends text only, and Node itself cannot pass
 * descriptors over a unix datagram socket. Why N-API (node_api.h, C): the ABI
 * is stable across Node majors, so one build loads in bookworm's Node 18 and
 * in Node 20, where sd-notify (V8's C++ API) must be built once per ABI.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <systemd/sd-daemon.h>
#include <node_api.h>

#define MAX_FDS 253 /* SCM_MAX_FD, the kernel's limit for one message */

/* Throws `what: <errno text> (<ERRNO>)` with error.code = "<ERRNO>"; returns NULL for the caller. */
static napi_value throw_errno(napi_env env, const char *what, int err) {
  const char *name = strerrorname_np(err);
  char message[512];
  snprintf(message, sizeof message, "%s: %s (%s)", what, strerror(err), name ? name : "?");
  napi_throw_error(env, name, message);
  return NULL;
}

/* `value` as a new UTF-8 string (free it), or NULL with a TypeError thrown. */
static char *string_arg(napi_env env, napi_value value, const char *what) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  char *text = malloc(length + 1);
  if (text) napi_get_value_string_utf8(env, value, text, length + 1, &length);
  else napi_throw_error(env, NULL, "out of memory");
  return text;
}

/* notifyWithFds(state, fds): true when sent, false when NOTIFY_SOCKET is unset. */
static napi_value notify_with_fds(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result = NULL; /* (arguments not passed are undefined) */
  bool is_array = false;
  uint32_t n = 0;
  int fds[MAX_FDS];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, NULL, "notifyWithFds(state, fds): fds must be an array of file descriptors");
    return NULL;
  }
  napi_get_array_length(env, argv[1], &n);
  if (n > MAX_FDS) {
    napi_throw_range_error(env, NULL, "notifyWithFds: at most 253 file descriptors in one notification");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value element;
    double d;
    /* (the range check first: NaN and out-of-range doubles have no int value) */
    if (napi_get_element(env, argv[1], i, &element) != napi_ok || napi_get_value_double(env, element, &d) != napi_ok
        || !(d >= INT_MIN && d <= INT_MAX) || d != (int)d) {
      napi_throw_type_error(env, NULL, "notifyWithFds: every fd must be an integer");
      return NULL;
    }
    fds[i] = (int)d;
    /* Checked here, not left to sendmsg: libsystemd opens its own socket first, which takes the
     * lowest free number, so a just-closed descriptor would be sent as that socket. */
    if (fcntl(fds[i], F_GETFD) < 0) {
      char what[80];
      snprintf(what, sizeof what, "notifyWithFds: fd %d is not an open file descriptor", fds[i]);
      return throw_errno(env, what, errno);
    }
  }
  char *state = string_arg(env, argv[0], "notifyWithFds(state, fds): state must be a string");
  if (!state) return NULL;
  int r = sd_pid_notify_with_fds(0, 0, state, fds, n);
  free(state);
  if (r < 0) return throw_errno(env, "notifyWithFds: sd_pid_notify_with_fds failed", -r);
  napi_get_boolean(env, r > 0, &result);
  return result;
}

/* memfdCreate(name): a new memfd (close-on-exec), its fd. */
static napi_value memfd_create_fn(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *name = string_arg(env, argv[0], "memfdCreate(name): name must be a string");
  if (!name) return NULL;
  int fd = memfd_create(name, MFD_CLOEXEC);
  int err = errno;
  free(name);
  if (fd < 0) return throw_errno(env, "memfdCreate: memfd_create failed", err);
  napi_create_int32(env, fd, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
    { "notifyWithFds", NULL, notify_with_fds, NULL, NULL, NULL, napi_enumerable, NULL },
    { "memfdCreate", NULL, memfd_create_fn, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, 2, properties);
  return exports;
}
