// SPDX-License-Identifier: Apache-2.0
// corral-test-late_thread as a real child process: it prints "ready\n" once its
// main thread runs and starts a second thread on SIGUSR1. Killed and reaped on scope exit.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include "program_dir.hpp"

class LateThreadProcess {
 public:
  pid_t pid = -1;

  LateThreadProcess() {
    int fds[2];
    if (::pipe(fds) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::string prog = corral::testing::program_dir() + "/test-helpers/corral-test-late_thread";
    char* argv[] = {prog.data(), nullptr};
    if (posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv, environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out_ = fds[0];
  }
  LateThreadProcess(const LateThreadProcess&) = delete;
  LateThreadProcess& operator=(const LateThreadProcess&) = delete;
  ~LateThreadProcess() {
    stop();
    if (out_ >= 0) ::close(out_);
  }

  // Blocks until the helper says "ready" (false if it died first).
  bool ready() {
    char buf[6] = {};
    return ::read(out_, buf, 6) == 6 && std::string(buf, 5) == "ready";
  }
  bool start_second_thread() { return pid > 0 && ::kill(pid, SIGUSR1) == 0; }
  void stop() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }

 private:
  int out_ = -1;
};
