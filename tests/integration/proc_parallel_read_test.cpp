// SPDX-License-Identifier: Apache-2.0
// read_all split across worker threads, each with its own fd table and batched
// closes (issue 13, ps): the records equal those of a single-threaded read, the
// program's own descriptors are neither closed nor leaked, and processes exiting
// mid-scan are skipped.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "corral/base/unique_fd.hpp"
#include "corral/proc/reader.hpp"
#include "proc_test_util.hpp"

namespace corral::proc {
namespace {
using corral::testing::eventually;

// The options of `corralctl ps`: the owner from the stat file, no status.
ReadOptions ps_options(int workers) {
  ReadOptions opts;
  opts.status = false;
  opts.exe = false;
  opts.fds = false;
  opts.cgroups = false;
  opts.schedstat = false;
  opts.syscall = false;
  opts.workers = workers;
  return opts;
}

// Children blocked in read() on a pipe until it is closed; killed and reaped at
// the end whatever happens.
class Sleepers {
 public:
  explicit Sleepers(int n) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return;
    read_end_.reset(p[0]);
    write_end_.reset(p[1]);
    for (int i = 0; i < n; ++i) {
      pid_t k = ::fork();
      if (k == 0) {
        ::close(p[1]);  // only the parent's write end keeps the pipe open
        char c;
        while (::read(p[0], &c, 1) < 0) {
        }
        ::_exit(0);
      }
      if (k > 0) pids_.push_back(k);
    }
    read_end_.reset();
  }
  ~Sleepers() {
    write_end_.reset();  // EOF: every child leaves read() and exits
    for (pid_t k : pids_) ::waitpid(k, nullptr, 0);
  }
  const std::vector<pid_t>& pids() const { return pids_; }

 private:
  UniqueFd read_end_, write_end_;
  std::vector<pid_t> pids_;
};

std::map<pid_t, const Pcb*> by_pid(const std::vector<Pcb>& all, const std::vector<pid_t>& wanted) {
  std::map<pid_t, const Pcb*> out;
  for (const Pcb& p : all)
    if (std::binary_search(wanted.begin(), wanted.end(), p.id.pid)) out[p.id.pid] = &p;
  return out;
}

bool all_asleep(const std::vector<pid_t>& pids) {
  auto all = read_all(ps_options(1));
  if (!all) return false;
  auto mine = by_pid(*all, pids);
  if (mine.size() != pids.size()) return false;
  return std::all_of(mine.begin(), mine.end(), [](const auto& kv) {
    return kv.second->control.kernel_state == 'S';
  });
}

long open_fd_count() {
  long n = 0;
  for (int fd = 0; fd < 4096; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) ++n;
  return n;
}

TEST(ProcParallelRead, WorkersReadWhatOneThreadReads) {
  Sleepers kids(300);
  ASSERT_EQ(kids.pids().size(), 300u);
  std::vector<pid_t> pids = kids.pids();
  std::sort(pids.begin(), pids.end());
  ASSERT_TRUE(eventually([&] { return all_asleep(pids); }));

  auto one = read_all(ps_options(1));
  ASSERT_TRUE(one.ok()) << one.error().message;
  for (int workers : {2, 3}) {
    auto many = read_all(ps_options(workers));
    ASSERT_TRUE(many.ok()) << many.error().message;
    // In pid order, as one thread reads them.
    EXPECT_TRUE(std::is_sorted(many->begin(), many->end(),
                               [](const Pcb& a, const Pcb& b) { return a.id.pid < b.id.pid; }));
    auto a = by_pid(*one, pids), b = by_pid(*many, pids);
    ASSERT_EQ(b.size(), pids.size()) << workers << " workers";
    for (pid_t pid : pids) {
      const Pcb& x = *a.at(pid);
      const Pcb& y = *b.at(pid);
      EXPECT_EQ(x.id.ppid, y.id.ppid);
      EXPECT_EQ(y.id.ppid, ::getpid());
      EXPECT_EQ(x.id.uid, y.id.uid);
      EXPECT_EQ(y.id.uid, ::geteuid());
      EXPECT_EQ(x.id.gid, y.id.gid);
      EXPECT_EQ(x.id.user, y.id.user);
      EXPECT_FALSE(y.id.user.empty());
      EXPECT_EQ(x.id.comm, y.id.comm);
      EXPECT_EQ(x.id.cmdline, y.id.cmdline);
      EXPECT_FALSE(y.id.cmdline.empty());
      EXPECT_EQ(x.control.kernel_state, y.control.kernel_state);
      EXPECT_EQ(x.control.state, y.control.state);
      EXPECT_EQ(x.control.wchan, y.control.wchan);
      EXPECT_EQ(x.control.nice, y.control.nice);
      EXPECT_EQ(x.control.vsz_kib, y.control.vsz_kib);
    }
  }
}

TEST(ProcParallelRead, TheProgramsDescriptorsStayAsTheyWere) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  UniqueFd r(p[0]), w(p[1]);
  const long before = open_fd_count();
  for (int i = 0; i < 3; ++i) {
    auto all = read_all(ps_options(2));
    ASSERT_TRUE(all.ok()) << all.error().message;
    ASSERT_GT(all->size(), 1u);
  }
  // Nothing the workers opened is left in our table, and nothing of ours was closed.
  EXPECT_EQ(open_fd_count(), before);
  ASSERT_EQ(::write(w.get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(r.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(ProcParallelRead, ProcessesExitingMidScanAreSkipped) {
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    while (!stop) {
      std::vector<pid_t> kids;
      for (int i = 0; i < 20; ++i) {
        pid_t k = ::fork();
        if (k == 0) ::_exit(0);
        if (k > 0) kids.push_back(k);
      }
      for (pid_t k : kids) ::waitpid(k, nullptr, 0);
    }
  });
  for (int i = 0; i < 20; ++i) {
    auto all = read_all(ps_options(2));
    ASSERT_TRUE(all.ok()) << all.error().message;
    for (const Pcb& p : *all) {
      EXPECT_GT(p.id.pid, 0);
      EXPECT_NE(p.control.kernel_state, '?');
    }
  }
  stop = true;
  churn.join();
}

}  // namespace
}  // namespace corral::proc
