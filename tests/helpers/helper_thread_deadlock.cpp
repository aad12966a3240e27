// SPDX-License-Identifier: Apache-2.0
// corral-test-thread_deadlock: two threads of one process deadlock on two private
// mutexes (A then B against B then A); a third thread is either blocked too (the
// default) or kept running with --live, which must make the process "not stuck".
// With --all the main thread then asks for A too: every thread is in a mutex wait, the
// process is stuck, and that is a deadlock of one process.
// Prints "ready" once both threads are asleep in their second lock; exits on SIGTERM.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

namespace {
pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
pthread_barrier_t both_hold;
std::atomic<int> asking{0};

void* first(void*) {
  pthread_mutex_lock(&a);
  pthread_barrier_wait(&both_hold);
  ++asking;
  pthread_mutex_lock(&b);
  return nullptr;
}

void* second(void*) {
  pthread_mutex_lock(&b);
  pthread_barrier_wait(&both_hold);
  ++asking;
  pthread_mutex_lock(&a);
  return nullptr;
}

void* spinner(void*) {
  for (;;) {
    volatile int x = 0;
    for (int i = 0; i < 1000000; ++i) x = x + i;
    ::usleep(1000);
  }
  return nullptr;
}
}  // namespace

int main(int argc, char** argv) {
  const bool live = argc > 1 && std::strcmp(argv[1], "--live") == 0;
  const bool all = argc > 1 && std::strcmp(argv[1], "--all") == 0;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // threads inherit: only sigwait takes them
  pthread_barrier_init(&both_hold, nullptr, 2);
  pthread_t t1, t2, t3;
  pthread_create(&t1, nullptr, first, nullptr);
  pthread_create(&t2, nullptr, second, nullptr);
  if (live) pthread_create(&t3, nullptr, spinner, nullptr);
  while (asking.load() < 2) ::usleep(1000);
  ::usleep(100 * 1000);  // the few instructions from ++asking to the futex call
  std::printf("ready\n");
  std::fflush(stdout);
  if (all) {
    pthread_sigmask(SIG_UNBLOCK, &stop, nullptr);  // SIGTERM's default action ends us
    pthread_mutex_lock(&a);
  }
  int sig = 0;
  sigwait(&stop, &sig);
  std::_Exit(0);
}
