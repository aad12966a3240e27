// SPDX-License-Identifier: Apache-2.0
// corral-test-proc_states MODE [ARG]: a process in a known state for the /proc
// reader's integration tests. Prints "ready\n" on stdout once set up, then stays.
//   read         blocks in read() on a pipe nobody writes
//   busy         spins in user space
//   threads N    N threads in total, all blocked
//   comm NAME    sets its comm with prctl(PR_SET_NAME), then blocks in read()
//   zombie       forks a child that exits at once, never reaps it; prints "ready PID"
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {
void ready(const char* extra = "") {
  std::printf("ready%s\n", extra);
  std::fflush(stdout);
}

[[noreturn]] void block_in_read() {
  int fds[2];
  if (::pipe(fds) != 0) std::exit(3);
  char c;
  for (;;) (void)!::read(fds[0], &c, 1);  // the write end stays open: blocks forever
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: corral-test-proc_states read|busy|threads N|comm NAME|zombie\n");
    return 2;
  }
  std::string mode = argv[1];
  if (mode == "read") {
    ready();
    block_in_read();
  }
  if (mode == "busy") {
    ready();
    volatile unsigned long n = 0;
    for (;;) n = n + 1;
  }
  if (mode == "threads" && argc > 2) {
    int n = std::atoi(argv[2]);
    std::vector<std::thread> threads;
    for (int i = 1; i < n; ++i) threads.emplace_back([] { block_in_read(); });
    ready();
    block_in_read();
  }
  if (mode == "comm" && argc > 2) {
    if (::prctl(PR_SET_NAME, argv[2], 0, 0, 0) != 0) return 3;
    ready();
    block_in_read();
  }
  if (mode == "zombie") {
    pid_t child = ::fork();
    if (child < 0) return 3;
    if (child == 0) ::_exit(0);
    char buf[32];
    std::snprintf(buf, sizeof buf, " %d", static_cast<int>(child));
    ready(buf);
    block_in_read();
  }
  std::fprintf(stderr, "corral-test-proc_states: unknown mode %s\n", mode.c_str());
  return 2;
}
