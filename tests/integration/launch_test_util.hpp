// SPDX-License-Identifier: Apache-2.0
// Helpers for the launcher tests: every child is owned by a guard that kills and
// reaps it, and every wait has a deadline.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <thread>

#include "corral/base/file_read.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/launch/launch.hpp"

namespace corral::launch::testing {

inline constexpr auto kDeadline = std::chrono::seconds(20);

// `sleep 1000` with its output thrown away.
inline LaunchSpec sleeper() {
  LaunchSpec spec;
  spec.argv = {"/bin/sleep", "1000"};
  spec.stdout_target = StdioTarget::null();
  spec.stderr_target = StdioTarget::null();
  return spec;
}

// Owns a launched child: SIGKILL + waitpid on destruction unless already reaped.
class ChildGuard {
 public:
  explicit ChildGuard(Launched l) : pid_(l.pid), pidfd_(std::move(l.pidfd)) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }

  // Waits (poll on the pidfd, with a deadline) for the exit, then reaps.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline = kDeadline) {
    pollfd pfd{pidfd_.get(), POLLIN, 0};
    int rc;
    do rc = ::poll(&pfd, 1, static_cast<int>(deadline.count()));
    while (rc < 0 && errno == EINTR);
    if (rc != 1) return std::nullopt;
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    reaped_ = true;
    return status;
  }

 private:
  pid_t pid_;
  UniqueFd pidfd_;
  bool reaped_ = false;
};

struct Pipe {
  UniqueFd read, write;
};
inline Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {};
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Reads fd to EOF, or until the deadline. nullopt on timeout.
inline std::optional<std::string> read_to_eof(int fd, std::chrono::milliseconds deadline = kDeadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  std::string out;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::nullopt;
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// Reads one '\n'-terminated line (without the newline), with a deadline.
inline std::optional<std::string> read_line(int fd, std::chrono::milliseconds deadline = kDeadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  std::string out;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::nullopt;
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    if (c == '\n') return out;
    out += c;
  }
}

// Polls pred every few milliseconds until it holds or the deadline passes.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds deadline = kDeadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

// The value of "Key:" in /proc/PID/status with tabs turned into spaces; "" if absent.
inline std::string proc_status_field(pid_t pid, const std::string& key) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return {};
  std::string needle = "\n" + key + ":";
  auto at = ("\n" + *text).find(needle);
  if (at == std::string::npos) return {};
  auto start = at + needle.size() - 1;  // index in *text (the prepended \n shifts by one)
  auto end = text->find('\n', start);
  std::string value = text->substr(start, end - start);
  for (auto& c : value)
    if (c == '\t') c = ' ';
  auto first = value.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return value.substr(first, value.find_last_not_of(' ') - first + 1);
}

// Creates/truncates path with content (mode 0644 before umask); false on failure.
inline bool write_file_for_test(const std::string& path, const std::string& content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  return fd.valid() && ::write(fd.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size());
}

}  // namespace corral::launch::testing
