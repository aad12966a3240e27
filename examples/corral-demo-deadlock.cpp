// SPDX-License-Identifier: Apache-2.0
// corral-demo-deadlock: builds a real deadlock between N processes (or a benign
// look-alike) and holds it until SIGINT/SIGTERM, for `corralctl waits` to find.
//
//   corral-demo-deadlock --kind flock|posix|ofd|pipe|mutex|registry --procs N [--benign]
//
// Child i holds resource i and then asks for resource i+1 (mod N): a circular wait.
// Prints "pids: ..." (and "helper: PID" for the pipe twin's extra writer), then "ready"
// once every child is blocked (or, in the benign twin, has what it asked for).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "corral/base/file_read.hpp"
#include "corral/ipc/tracked_semaphore.hpp"
#include "corral/waits/registry.hpp"
#include "demo_entry_points.hpp"

namespace {

struct Setup {
  std::string kind;
  int procs = 2;
  bool benign = false;
  std::string dir = "/tmp";
  std::vector<std::string> files;  // lock files to remove
  std::string registry;            // registry to remove
  pthread_mutex_t* mutexes = nullptr;
  std::vector<int> pipe_fds;       // [2*i] read end, [2*i+1] write end of pipe i
};

int status_w = -1;  // child -> parent: 'h' holding, 'w' about to ask, 'a' acquired (benign)
int go_r = -1;      // parent -> child: EOF means "go"

constexpr long kSysPause = 34;  // x86_64

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "corral-demo-deadlock[%d]: %s: %s\n", ::getpid(), what, std::strerror(errno));
  ::_exit(1);
}

void tell(char c) {
  if (::write(status_w, &c, 1) != 1) die("write status");
}

// Waits for the parent's "go" (EOF on the go pipe), then says so: the child's next
// blocking call is its request for the next resource, which the parent then watches for.
void wait_go() {
  char c;
  while (::read(go_r, &c, 1) > 0) {
  }
  ::close(go_r);
  tell('w');
}

[[noreturn]] void hold_forever() {
  for (;;) ::pause();
}

// Byte range of child i in the POSIX / OFD file.
off_t slot(int i) { return static_cast<off_t>(i) * 10; }

bool fcntl_lock(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  while (::fcntl(fd, cmd, &fl) != 0) {
    if (errno == EINTR) continue;
    return false;
  }
  return true;
}

[[noreturn]] void child_main(Setup& s, int i) {
  const int n = s.procs;
  const int next = (i + 1) % n;
  if (s.kind == "flock") {
    const int op = s.benign ? LOCK_SH : LOCK_EX;  // benign twin: shared locks
    int mine = ::open(s.files[static_cast<std::size_t>(i)].c_str(), O_RDWR | O_CLOEXEC);
    int theirs = ::open(s.files[static_cast<std::size_t>(next)].c_str(), O_RDWR | O_CLOEXEC);
    if (mine < 0 || theirs < 0) die("open lock file");
    if (::flock(mine, op) != 0) die("flock");
    tell('h');
    wait_go();
    if (::flock(theirs, op) != 0) die("flock (second)");
    tell('a');
  } else if (s.kind == "posix" || s.kind == "ofd") {
    const bool ofd = s.kind == "ofd";
    int fd = ::open(s.files[0].c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) die("open lock file");
    const int cmd = ofd ? F_OFD_SETLKW : F_SETLKW;
    // Benign twins: POSIX takes a second, non-overlapping range; OFD takes shared read locks.
    const short type = (ofd && s.benign) ? F_RDLCK : F_WRLCK;
    if (!fcntl_lock(fd, cmd, type, slot(i), 5)) die("lock own range");
    tell('h');
    wait_go();
    const off_t want = (!ofd && s.benign) ? slot(i) + 5 : slot(next);
    if (!fcntl_lock(fd, cmd, type, want, 5)) {
      if (ofd || errno != EDEADLK) die("lock next range");
      // The kernel checks POSIX lock waits for cycles and refuses the request closing one.
      // OFD locks conflict with POSIX locks but are not checked: close the cycle with one.
      std::fprintf(stderr,
                   "corral-demo-deadlock[%d]: F_SETLKW refused with EDEADLK (the kernel's POSIX deadlock "
                   "check); closing the cycle with F_OFD_SETLKW\n",
                   ::getpid());
      if (!fcntl_lock(fd, F_OFD_SETLKW, F_WRLCK, want, 5)) die("F_OFD_SETLKW");
    }
    tell('a');
  } else if (s.kind == "pipe") {
    // Child i reads pipe i and holds the write end of pipe i-1; everything else closed.
    const int prev = (i + n - 1) % n;
    for (int p = 0; p < n; ++p) {
      if (p != i) ::close(s.pipe_fds[static_cast<std::size_t>(2 * p)]);
      if (p != prev) ::close(s.pipe_fds[static_cast<std::size_t>(2 * p + 1)]);
    }
    if (prev == i) {
      // N == 1 is refused by main(); keep the invariant explicit.
      die("pipe cycle needs two processes");
    }
    tell('h');
    wait_go();
    char c;
    ssize_t got = ::read(s.pipe_fds[static_cast<std::size_t>(2 * i)], &c, 1);
    (void)got;
    tell('a');
  } else if (s.kind == "mutex") {
    if (pthread_mutex_lock(&s.mutexes[i]) != 0) die("lock own mutex");
    tell('h');
    wait_go();
    // Benign twin: a chain, not a cycle -- the last process asks for nothing more.
    if (s.benign && i == n - 1) {
      tell('a');
      hold_forever();
    }
    if (pthread_mutex_lock(&s.mutexes[next]) != 0) die("lock next mutex");
    tell('a');
  } else if (s.kind == "registry") {
    auto mine = corral::ipc::TrackedSemaphore::open(s.registry, "r" + std::to_string(i));
    auto theirs = corral::ipc::TrackedSemaphore::open(s.registry, "r" + std::to_string(next));
    if (!mine || !theirs) die("open registry semaphore");
    if (!mine->wait()) die("wait own semaphore");
    tell('h');
    wait_go();
    if (s.benign && i == n - 1) {
      tell('a');
      hold_forever();
    }
    if (!theirs->wait()) die("wait next semaphore");
    tell('a');
  }
  hold_forever();
}

// The extra live writer of the pipe twin: holds the write end of pipe 0, never writes,
// never blocks on anything corral can see -- so the cycle has a way out and is no knot.
[[noreturn]] void helper_main(Setup& s) {
  for (int p = 0; p < s.procs; ++p) {
    ::close(s.pipe_fds[static_cast<std::size_t>(2 * p)]);
    if (p != 0) ::close(s.pipe_fds[static_cast<std::size_t>(2 * p + 1)]);
  }
  tell('h');
  hold_forever();
}

// A child counts as "in place" once it is asleep in its blocking call (or in pause(2)
// after getting what it asked for).
bool asleep_in_syscall(pid_t pid, long expected) {
  std::string stat, sc;
  if (!corral::read_file_at(AT_FDCWD, ("/proc/" + std::to_string(pid) + "/stat").c_str(), stat)) return false;
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'S') return false;
  if (!corral::read_file_at(AT_FDCWD, ("/proc/" + std::to_string(pid) + "/syscall").c_str(), sc)) return false;
  const long nr = std::strtol(sc.c_str(), nullptr, 10);
  return (sc[0] >= '0' && sc[0] <= '9') && (nr == expected || nr == kSysPause);
}

long blocking_syscall(const std::string& kind) {
  if (kind == "flock") return 73;                   // flock
  if (kind == "posix" || kind == "ofd") return 72;  // fcntl
  if (kind == "pipe") return 0;                     // read
  return 202;                                       // futex
}

}  // namespace

int corral::demos::deadlock_main(int argc, char** argv) {
  Setup s;
  CLI::App app{"corral-demo-deadlock - build a real deadlock (or a benign look-alike) between processes"};
  app.add_option("--kind", s.kind, "flock, posix, ofd, pipe, mutex or registry")
      ->required()
      ->check(CLI::IsMember({"flock", "posix", "ofd", "pipe", "mutex", "registry"}));
  app.add_option("--procs", s.procs, "processes in the cycle (>= 2)")->check(CLI::Range(2, 64));
  app.add_flag("--benign", s.benign, "build the look-alike that is not a deadlock");
  app.add_option("--dir", s.dir, "directory for the lock files (default /tmp)");
  CLI11_PARSE(app, argc, argv);

  const pid_t self = ::getpid();
  const int n = s.procs;
  // Set up every resource before forking, so cleanup knows what to remove.
  if (s.kind == "flock") {
    for (int i = 0; i < n; ++i) s.files.push_back(s.dir + "/corral-deadlock-" + std::to_string(self) + "-" + std::to_string(i));
  } else if (s.kind == "posix" || s.kind == "ofd") {
    s.files.push_back(s.dir + "/corral-deadlock-" + std::to_string(self));
  }
  for (const auto& f : s.files) {
    int fd = ::open(f.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) die(("create " + f).c_str());
    std::string zeros(static_cast<std::size_t>(n) * 10, '\0');
    if (::write(fd, zeros.data(), zeros.size()) < 0) die("write lock file");
    ::close(fd);
  }
  if (s.kind == "mutex") {
    void* mem = ::mmap(nullptr, sizeof(pthread_mutex_t) * static_cast<std::size_t>(n), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) die("mmap");
    s.mutexes = static_cast<pthread_mutex_t*>(mem);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    for (int i = 0; i < n; ++i) pthread_mutex_init(&s.mutexes[i], &attr);
    pthread_mutexattr_destroy(&attr);
  }
  if (s.kind == "registry") {
    s.registry = "demo-deadlock-" + std::to_string(self);
    for (int i = 0; i < n; ++i) {
      auto sem = corral::ipc::TrackedSemaphore::create(s.registry, "r" + std::to_string(i), 1);
      if (!sem) {
        std::fprintf(stderr, "corral-demo-deadlock: %s\n", sem.error().message.c_str());
        return 1;
      }
    }
  }
  if (s.kind == "pipe") {
    for (int i = 0; i < n; ++i) {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) die("pipe");
      s.pipe_fds.push_back(p[0]);
      s.pipe_fds.push_back(p[1]);
    }
  }
  int status[2], go[2];
  if (::pipe2(status, O_CLOEXEC) != 0 || ::pipe2(go, O_CLOEXEC) != 0) die("pipe");

  // SIGINT/SIGTERM are taken synchronously by sigtimedwait below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  std::vector<pid_t> kids;
  pid_t helper = 0;
  auto spawn = [&](auto&& body) {
    pid_t pid = ::fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      sigprocmask(SIG_UNBLOCK, &stop, nullptr);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != self) ::_exit(1);
      ::close(status[0]);
      ::close(go[1]);
      status_w = status[1];
      go_r = go[0];
      body();
    }
    return pid;
  };
  for (int i = 0; i < n; ++i) kids.push_back(spawn([&] { child_main(s, i); }));
  if (s.kind == "pipe" && s.benign) helper = spawn([&] { helper_main(s); });
  // The parent keeps no end of the cycle's pipes: it would be a live writer.
  for (int fd : s.pipe_fds) ::close(fd);
  ::close(status[1]);
  ::close(go[0]);

  auto cleanup = [&](int code) {
    std::vector<pid_t> all = kids;
    if (helper) all.push_back(helper);
    for (pid_t p : all) ::kill(p, SIGKILL);
    for (pid_t p : all) ::waitpid(p, nullptr, 0);
    for (const auto& f : s.files) ::unlink(f.c_str());
    if (!s.registry.empty()) (void)corral::waits::Registry::remove(s.registry);
    std::printf("cleaned up\n");
    std::fflush(stdout);
    return code;
  };

  std::printf("pids:");
  for (pid_t p : kids) std::printf(" %d", p);
  std::printf("\n");
  if (helper) std::printf("helper: %d\n", helper);
  std::fflush(stdout);

  // Phase 1: everyone holds its own resource. Phase 2 (after "go"): everyone asks for the
  // next one and blocks -- or, in the benign twin, gets it or blocks with a way out.
  const std::size_t expected_h = kids.size() + (helper ? 1 : 0);
  std::size_t held = 0, acquired = 0, asking = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  char c;
  while (held < expected_h) {
    ssize_t r = ::read(status[0], &c, 1);
    if (r <= 0) return cleanup(1);
    if (c == 'h') ++held;
  }
  ::close(go[1]);  // go
  ::fcntl(status[0], F_SETFL, O_NONBLOCK);
  for (;;) {
    while (::read(status[0], &c, 1) == 1) {
      if (c == 'a') ++acquired;
      if (c == 'w') ++asking;
    }
    std::size_t in_place = 0;
    for (pid_t p : kids) in_place += asleep_in_syscall(p, blocking_syscall(s.kind));
    // Every child is either asleep in its blocking call or has reported success.
    bool settled = asking == kids.size() && in_place == kids.size();
    if (s.kind == "registry") {
      // A registry waiter wakes twice a second to purge dead holders; ask the table.
      auto reg = corral::waits::Registry::open(s.registry);
      std::size_t waiting = 0;
      if (reg)
        if (auto snap = reg->snapshot())
          for (const auto& e : snap->entries) waiting += e.waiting > 0;
      settled = asking == kids.size() && waiting + acquired >= kids.size();
    }
    if (settled) break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "corral-demo-deadlock: the processes did not settle within 30 s\n");
      return cleanup(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::printf("ready\n");
  std::fflush(stdout);

  for (;;) {
    int sig = ::sigwaitinfo(&stop, nullptr);
    if (sig == SIGINT || sig == SIGTERM) break;
  }
  return cleanup(0);
}
