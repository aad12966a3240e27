// SPDX-License-Identifier: Apache-2.0
// The reader against real processes in known states: Blocked in read(), a busy
// loop, SIGSTOP, a frozen v1 freezer cgroup, an unreaped child, threads, a comm
// with parentheses, and processes that exit while read_all scans.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "corral/base/file_read.hpp"
#include "corral/proc/frozen_cgroups.hpp"
#include "corral/proc/reader.hpp"
#include "proc_test_util.hpp"

namespace corral::proc {
namespace {
using corral::testing::Child;
using corral::testing::eventually;
using corral::testing::helper_path;

// Starts corral-test-proc_states with args and waits for its "ready" line.
void start_helper(Child& c, std::vector<std::string> args) {
  args.insert(args.begin(), helper_path("proc_states"));
  ASSERT_TRUE(c.start(args));
  ASSERT_EQ(c.ready_line().substr(0, 5), "ready");
}

std::optional<Pcb> read_one(pid_t pid, ReadOptions opts = {}) {
  auto p = read_process(pid, opts);
  if (!p) return std::nullopt;
  return std::move(*p);
}

// The busy helper has left its last syscall (the "ready" write) and spins in user
// space. Its syscall file cannot tell (it says "running" on a CPU, even inside
// write), but user time can: 3 ticks of it are only spent in the loop. A stop
// before that could catch it inside write(), which the mapping rightly calls
// Blocked/Suspend.
bool spinning_in_user_space(pid_t pid) {
  auto p = read_one(pid);
  return p && p->control.kernel_state == 'R' && p->control.utime_ticks >= 3;
}

TEST(ProcStates, SleepingInReadIsBlocked) {
  Child c;
  start_helper(c, {"read"});
  std::optional<Pcb> p;
  ASSERT_TRUE(eventually([&] {
    p = read_one(c.pid());
    return p && p->control.kernel_state == 'S' && !p->control.wchan.empty();
  }));
  EXPECT_EQ(p->control.state, ProcState::Blocked);
  ASSERT_TRUE(p->cpu.syscall_readable);  // we are root, and it is our child
  ASSERT_TRUE(p->control.blocked_syscall);
  EXPECT_EQ(*p->control.blocked_syscall, 0);  // read(2) on x86_64
  EXPECT_EQ(p->id.ppid, ::getpid());
  EXPECT_EQ(p->id.exe, helper_path("proc_states"));
  EXPECT_GE(p->control.open_fds, 3);
  EXPECT_FALSE(p->control.cgroups.empty());
}

TEST(ProcStates, BusyLoopIsRunningOrReady) {
  Child c;
  start_helper(c, {"busy"});
  ReadOptions opts;
  opts.sample_running = true;
  std::optional<Pcb> p;
  ASSERT_TRUE(eventually([&] {
    p = read_one(c.pid(), opts);
    return p && p->control.kernel_state == 'R';
  }));
  EXPECT_TRUE(p->control.state == ProcState::Running || p->control.state == ProcState::Ready)
      << to_string(p->control.state);
  EXPECT_TRUE(p->control.state_sampled);
  EXPECT_TRUE(p->control.wchan.empty());
}

TEST(ProcStates, SigstopIsSuspend) {
  Child blocked, busy;
  start_helper(blocked, {"read"});
  start_helper(busy, {"busy"});
  // Let the reader block in read() first, so the stop hits it inside the syscall.
  ASSERT_TRUE(eventually([&] {
    auto p = read_one(blocked.pid());
    return p && p->control.kernel_state == 'S' && p->control.blocked_syscall;
  }));
  ASSERT_TRUE(eventually([&] { return spinning_in_user_space(busy.pid()); }));
  ASSERT_EQ(::kill(blocked.pid(), SIGSTOP), 0);
  ASSERT_EQ(::kill(busy.pid(), SIGSTOP), 0);
  std::optional<Pcb> b, u;
  ASSERT_TRUE(eventually([&] {
    b = read_one(blocked.pid());
    u = read_one(busy.pid());
    return b && u && b->control.kernel_state == 'T' && u->control.kernel_state == 'T';
  }));
  EXPECT_TRUE(is_suspended(b->control.state));
  EXPECT_EQ(b->control.state, ProcState::BlockedSuspend);
  EXPECT_EQ(u->control.state, ProcState::ReadySuspend)
      << "syscall " << u->cpu.syscall_nr.value_or(-99) << " wchan " << u->control.wchan;
  ::kill(blocked.pid(), SIGCONT);
  ::kill(busy.pid(), SIGCONT);
}

// A uniquely named v1 freezer cgroup, removed (thawed first) at the end.
class FreezerCgroup {
 public:
  explicit FreezerCgroup(const std::string& mount) {
    static int n = 0;
    path_ = mount + "/corral-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    ok_ = ::mkdir(path_.c_str(), 0755) == 0;
  }
  ~FreezerCgroup() {
    if (!ok_) return;
    (void)write_file(path_ + "/freezer.state", "THAWED");
    // The tasks must be gone before rmdir succeeds; the test kills them first.
    eventually([&] { return ::rmdir(path_.c_str()) == 0 || errno == ENOENT; });
  }
  bool ok() const { return ok_; }
  Status add(pid_t pid) { return write_file(path_ + "/cgroup.procs", std::to_string(pid)); }
  Status set(const char* state) { return write_file(path_ + "/freezer.state", state); }
  std::string state() {
    auto s = read_file(path_ + "/freezer.state");
    return s ? *s : std::string();
  }

 private:
  std::string path_;
  bool ok_ = false;
};

TEST(ProcStates, FrozenV1CgroupIsSuspend) {
  CgroupMounts mounts = read_cgroup_mounts();
  if (mounts.freezer_v1.empty()) GTEST_SKIP() << "no cgroup v1 freezer hierarchy mounted";
  if (::access(mounts.freezer_v1.c_str(), W_OK) != 0) GTEST_SKIP() << "freezer hierarchy not writable (need root)";
  Child blocked, busy;
  {
    FreezerCgroup cg(mounts.freezer_v1);
    ASSERT_TRUE(cg.ok()) << "mkdir in " << mounts.freezer_v1;
    start_helper(blocked, {"read"});
    start_helper(busy, {"busy"});
    ASSERT_TRUE(eventually([&] {
      auto p = read_one(blocked.pid());
      return p && p->control.blocked_syscall;
    }));
    ASSERT_TRUE(eventually([&] { return spinning_in_user_space(busy.pid()); }));
    ASSERT_TRUE(cg.add(blocked.pid()));
    ASSERT_TRUE(cg.add(busy.pid()));
    ASSERT_TRUE(cg.set("FROZEN"));
    ASSERT_TRUE(eventually([&] { return cg.state().rfind("FROZEN", 0) == 0; }));

    auto b = read_one(blocked.pid());
    auto u = read_one(busy.pid());
    ASSERT_TRUE(b && u);
    EXPECT_TRUE(b->control.frozen);
    EXPECT_TRUE(u->control.frozen);
    EXPECT_NE(b->control.kernel_state, 'T');  // the kernel shows S or D, not a stop
    EXPECT_EQ(b->control.state, ProcState::BlockedSuspend);
    EXPECT_EQ(u->control.state, ProcState::ReadySuspend)
      << "syscall " << u->cpu.syscall_nr.value_or(-99) << " wchan " << u->control.wchan;

    // read_all takes the other path (one walk of the freezer): same answer.
    ReadOptions opts;
    auto all = read_all(opts);
    ASSERT_TRUE(all.ok()) << all.error().message;
    int seen = 0;
    for (const Pcb& p : *all) {
      if (p.id.pid == blocked.pid() || p.id.pid == busy.pid()) {
        ++seen;
        EXPECT_TRUE(p.control.frozen);
        EXPECT_TRUE(is_suspended(p.control.state)) << to_string(p.control.state);
      }
    }
    EXPECT_EQ(seen, 2);
    ASSERT_TRUE(cg.set("THAWED"));
    blocked.stop();
    busy.stop();
  }
}

// A uniquely named cgroup v2 cgroup, frozen with cgroup.freeze; removed at the end.
class V2Cgroup {
 public:
  explicit V2Cgroup(const std::string& mount) {
    path_ = mount + "/corral-test-" + std::to_string(::getpid()) + "-v2";
    ok_ = ::mkdir(path_.c_str(), 0755) == 0;
  }
  ~V2Cgroup() {
    if (!ok_) return;
    (void)write_file(path_ + "/cgroup.freeze", "0");
    eventually([&] { return ::rmdir(path_.c_str()) == 0 || errno == ENOENT; });
  }
  bool ok() const { return ok_; }
  Status add(pid_t pid) { return write_file(path_ + "/cgroup.procs", std::to_string(pid)); }
  Status freeze(bool on) { return write_file(path_ + "/cgroup.freeze", on ? "1" : "0"); }
  bool frozen() {
    auto s = read_file(path_ + "/cgroup.events");
    return s && s->find("frozen 1") != std::string::npos;
  }

 private:
  std::string path_;
  bool ok_ = false;
};

TEST(ProcStates, FrozenV2CgroupIsSuspend) {
  CgroupMounts mounts = read_cgroup_mounts();
  if (mounts.unified_v2.empty()) GTEST_SKIP() << "no cgroup2 hierarchy mounted";
  if (::access(mounts.unified_v2.c_str(), W_OK) != 0) GTEST_SKIP() << "cgroup2 hierarchy not writable (need root)";
  Child blocked, busy;
  {
    V2Cgroup cg(mounts.unified_v2);
    ASSERT_TRUE(cg.ok()) << "mkdir in " << mounts.unified_v2;
    start_helper(blocked, {"read"});
    start_helper(busy, {"busy"});
    ASSERT_TRUE(eventually([&] {
      auto p = read_one(blocked.pid());
      return p && p->control.blocked_syscall;
    }));
    ASSERT_TRUE(eventually([&] { return spinning_in_user_space(busy.pid()); }));
    ASSERT_TRUE(cg.add(blocked.pid()));
    ASSERT_TRUE(cg.add(busy.pid()));
    ASSERT_TRUE(cg.freeze(true));
    ASSERT_TRUE(eventually([&] { return cg.frozen(); }));

    auto b = read_one(blocked.pid());
    auto u = read_one(busy.pid());
    ASSERT_TRUE(b && u);
    EXPECT_TRUE(b->control.frozen);
    EXPECT_TRUE(u->control.frozen);
    EXPECT_EQ(b->control.state, ProcState::BlockedSuspend);
    EXPECT_EQ(u->control.state, ProcState::ReadySuspend);

    auto all = read_all(ReadOptions{});
    ASSERT_TRUE(all.ok()) << all.error().message;
    int seen = 0;
    for (const Pcb& p : *all)
      if (p.id.pid == blocked.pid() || p.id.pid == busy.pid()) {
        ++seen;
        EXPECT_TRUE(is_suspended(p.control.state)) << to_string(p.control.state);
      }
    EXPECT_EQ(seen, 2);
    ASSERT_TRUE(cg.freeze(false));
    blocked.stop();
    busy.stop();
  }
}

TEST(ProcStates, UnreapedChildIsExit) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(7);
  std::optional<Pcb> p;
  bool zombie = eventually([&] {
    p = read_one(child);
    return p && p->control.kernel_state == 'Z';
  });
  EXPECT_TRUE(zombie);
  if (zombie) {
    EXPECT_EQ(p->control.state, ProcState::Exit);
    EXPECT_TRUE(p->id.cmdline.empty());
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  auto gone = read_process(child);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ESRCH);
}

TEST(ProcStates, ZombieOfAnotherParent) {
  Child c;
  c.start({helper_path("proc_states"), "zombie"});
  std::string line = c.ready_line();
  ASSERT_EQ(line.substr(0, 6), "ready ");
  pid_t z = std::stoi(line.substr(6));
  ASSERT_TRUE(eventually([&] {
    auto p = read_one(z);
    return p && p->control.state == ProcState::Exit;
  }));
  auto p = read_one(z);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->id.ppid, c.pid());
}

TEST(ProcStates, ThreadCountAndThreadRecords) {
  Child c;
  start_helper(c, {"threads", "5"});
  ReadOptions opts;
  opts.threads = true;
  std::optional<Pcb> p;
  ASSERT_TRUE(eventually([&] {
    p = read_one(c.pid(), opts);
    return p && p->control.threads == 5 && p->threads.size() == 5;
  }));
  std::set<pid_t> tids;
  for (const Pcb& t : p->threads) {
    tids.insert(t.id.pid);
    EXPECT_EQ(t.id.tgid, c.pid());
    EXPECT_EQ(t.control.threads, 5);
  }
  EXPECT_EQ(tids.size(), 5u);
  EXPECT_TRUE(tids.count(c.pid()));  // the leader is a thread too
  // All five block in read() eventually.
  ASSERT_TRUE(eventually([&] {
    auto q = read_one(c.pid(), opts);
    if (!q) return false;
    for (const Pcb& t : q->threads)
      if (t.control.state != ProcState::Blocked) return false;
    return q->threads.size() == 5;
  }));
}

TEST(ProcStates, CommWithParensOnARealProcess) {
  Child c;
  start_helper(c, {"comm", "a) (b"});
  auto p = read_one(c.pid());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->id.comm, "a) (b");
  EXPECT_EQ(p->id.ppid, ::getpid());
  ReadOptions fast;
  fast.status = false;
  auto all = read_all(fast);
  ASSERT_TRUE(all.ok());
  bool found = false;
  for (const Pcb& q : *all)
    if (q.id.pid == c.pid()) {
      found = true;
      EXPECT_EQ(q.id.comm, "a) (b");
      EXPECT_EQ(q.id.ppid, ::getpid());
    }
  EXPECT_TRUE(found);
}

TEST(ProcStates, ProcessesExitingDuringReadAllAreSkipped) {
  // A churn of short-lived children while read_all scans: every scan must succeed,
  // and every record must be whole (a pid and a parsed state).
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    while (!stop) {
      std::vector<pid_t> kids;
      for (int i = 0; i < 20; ++i) {
        pid_t k = ::fork();
        if (k == 0) {
          ::usleep(static_cast<useconds_t>(100 * i));
          ::_exit(0);
        }
        if (k > 0) kids.push_back(k);
      }
      for (pid_t k : kids) ::waitpid(k, nullptr, 0);
    }
  });
  ReadOptions opts;
  opts.sample_running = true;
  for (int i = 0; i < 20; ++i) {
    auto all = read_all(opts);
    ASSERT_TRUE(all.ok()) << all.error().message;
    for (const Pcb& p : *all) {
      EXPECT_GT(p.id.pid, 0);
      EXPECT_NE(p.control.kernel_state, '?');
    }
  }
  stop = true;
  churn.join();
}

TEST(ProcStates, ReadAllFindsOurselvesRunning) {
  ReadOptions opts;
  opts.threads = true;
  opts.workers = 1;  // this thread does the reading, so this thread is on a CPU
  auto all = read_all(opts);
  ASSERT_TRUE(all.ok());
  pid_t self = ::getpid();
  auto it = std::find_if(all->begin(), all->end(), [&](const Pcb& p) { return p.id.pid == self; });
  ASSERT_NE(it, all->end());
  bool found = false;
  for (const Pcb& t : it->threads)
    if (t.id.pid == ::gettid()) {
      found = true;
      EXPECT_EQ(t.control.state, ProcState::Running);
    }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace corral::proc
