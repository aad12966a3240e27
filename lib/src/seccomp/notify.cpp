// SPDX-License-Identifier: Apache-2.0
#include "corral/seccomp/notify.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace corral::seccomp {

Result<std::optional<Notification>> receive_and_continue(int listener) {
  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  if (int rc = seccomp_notify_alloc(&req, &resp); rc != 0) return Error::from_errno(-rc, "seccomp_notify_alloc");
  struct Free {
    seccomp_notif* req;
    seccomp_notif_resp* resp;
    ~Free() { seccomp_notify_free(req, resp); }
  } guard{req, resp};

  if (int rc = seccomp_notify_receive(listener, req); rc != 0) {
    // -ENOENT: the caller went away first; -EINTR/-EAGAIN: nothing for us now.
    if (rc == -ENOENT || rc == -EINTR || rc == -EAGAIN) return std::optional<Notification>{};
    return Error::from_errno(-rc, "seccomp_notify_receive");
  }
  Notification n;
  n.pid = static_cast<pid_t>(req->pid);
  n.arch = req->data.arch;
  n.nr = req->data.nr;
  if (char* name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr)) {
    n.name = name;
    std::free(name);  // NOLINT: libseccomp hands out malloc'd names
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "nr %d (arch 0x%x)", n.nr, n.arch);
    n.name = buf;
  }
  resp->id = req->id;
  resp->val = 0;
  resp->error = 0;
  resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (int rc = seccomp_notify_respond(listener, resp); rc != 0 && rc != -ENOENT)
    return Error::from_errno(-rc, "seccomp_notify_respond");
  return std::optional<Notification>{std::move(n)};
}

}  // namespace corral::seccomp
