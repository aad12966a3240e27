// SPDX-License-Identifier: Apache-2.0
#include "corral/persist/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "corral/base/atomic_file.hpp"
#include "corral/base/file_read.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/persist/fingerprint.hpp"
#include "corral/proc/parsers.hpp"

namespace corral::persist {

std::string state_file_path(const std::string& dir) { return dir + "/" + kStateFileName; }

Status write_state_file(const std::string& dir, const DaemonState& state) {
  const std::string path = state_file_path(dir);
  const std::string text = encode(state);
  return write_file_atomically(dir, path, text);
}

Result<DaemonState> read_state_file(const std::string& dir) {
  const std::string path = state_file_path(dir);
  auto text = read_file(path);
  if (!text) return text.error();
  auto st = decode(*text);
  if (!st) return Error::logic(path + ": " + st.error().message, st.error().code);
  return st;
}

Status remove_state_file(const std::string& dir) {
  const std::string path = state_file_path(dir);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink " + path);
  return {};
}

Result<std::string> read_proc_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path);
  char buf[4096];
  std::string out;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path);
    out.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < sizeof buf) return out;  // short: the end
  }
}

std::optional<ProcessIdentity> read_identity(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  // On the stack, path and text: a re-adoption reads this for every recorded
  // process, on several threads, and malloc in fresh thread arenas showed in its
  // profile. The line is a few hundred bytes (comm is at most 64).
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char text[2048];
  ssize_t n;
  do n = ::read(fd.get(), text, sizeof text);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return std::nullopt;
  auto f = proc::parse_stat(std::string_view(text, static_cast<std::size_t>(n)));
  if (!f || f->state == 'Z' || f->state == 'X') return std::nullopt;
  return ProcessIdentity{f->starttime, f->pgrp, f->ppid, f->session};
}

std::uint64_t current_boot_id_hash() {
  auto text = read_file("/proc/sys/kernel/random/boot_id");
  if (!text) return 0;
  return fnv1a64(*text);
}

}  // namespace corral::persist
