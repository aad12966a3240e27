// SPDX-License-Identifier: Apache-2.0
// The error-pipe protocol between a forked child and the launcher (child_failure.hpp).
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "corral/launch/child_failure.hpp"

namespace corral::launch {
namespace {

// Wire format: three host-endian int32 (step, errno, detail). Both ends are the
// same binary, so no byte-order question arises.
constexpr std::size_t kRecordSize = 3 * sizeof(std::int32_t);

constexpr std::array<std::string_view, 23> kStepNames{
    "setsid",        "sigaction",  "prctl PR_SET_PDEATHSIG", "getppid", "join cgroup", "setrlimit",
    "sched_setattr", "setpriority", "sched_setaffinity",     "chdir",   "umask",       "dup2",
    "close_range",   "setgroups",  "setgid",                 "setuid",  "prctl PR_SET_NO_NEW_PRIVS",
    "exec",          "prctl PR_CAPBSET_DROP", "prctl PR_SET_KEEPCAPS", "capset", "prctl PR_CAP_AMBIENT_RAISE",
    "load seccomp filter"};

}  // namespace

std::string_view step_name(Step step) {
  auto i = static_cast<std::size_t>(step) - 1;
  return i < kStepNames.size() ? kStepNames[i] : std::string_view("unknown step");
}

bool send_child_failure(int fd, const ChildFailure& failure) noexcept {
  std::int32_t record[3] = {static_cast<std::int32_t>(failure.step), failure.error, failure.detail};
  static_assert(sizeof(record) == kRecordSize);
  for (;;) {
    ssize_t n = ::write(fd, record, sizeof(record));
    if (n == static_cast<ssize_t>(sizeof(record))) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

Result<std::optional<ChildFailure>> receive_child_failure(int fd) {
  unsigned char buf[kRecordSize + 1];
  std::size_t got = 0;
  // Read to EOF: the pipe closes when the child execs (O_CLOEXEC) or exits.
  for (;;) {
    ssize_t n = ::read(fd, buf + got, sizeof(buf) - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("read launch error pipe");
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    if (got == sizeof(buf)) break;
  }
  if (got == 0) return std::optional<ChildFailure>{};
  if (got != kRecordSize)
    return Error::logic("read launch error pipe: torn record of " + std::to_string(got) + " bytes",
                        EPROTO);
  std::int32_t record[3];
  std::memcpy(record, buf, kRecordSize);
  auto step = record[0];
  if (step < static_cast<std::int32_t>(Step::NewSession) || step > static_cast<std::int32_t>(Step::SeccompFilter))
    return Error::logic("read launch error pipe: unknown step " + std::to_string(step), EPROTO);
  return std::optional<ChildFailure>{ChildFailure{static_cast<Step>(step), record[1], record[2]}};
}

}  // namespace corral::launch
