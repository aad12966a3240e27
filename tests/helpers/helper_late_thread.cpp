// SPDX-License-Identifier: Apache-2.0
// Starts with one thread, prints "ready", and creates a second thread when it gets
// SIGUSR1 (or after 60 s). Used to check that a Pinner rescan pins late threads.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace {
void* idle(void*) {
  for (;;) ::pause();
  return nullptr;
}
}  // namespace

int main() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  timespec limit{60, 0};
  sigtimedwait(&set, nullptr, &limit);
  pthread_t t;
  if (pthread_create(&t, nullptr, idle, nullptr) != 0) return 1;
  for (;;) ::pause();
}
