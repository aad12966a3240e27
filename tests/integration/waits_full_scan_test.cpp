// SPDX-License-Identifier: Apache-2.0
// A full-system scan reads the process table first and then searches fd tables only
// for the pipes and FIFOs somebody waits on (on several threads). Real processes wait
// on real pipes here: the holders it finds must be the ones a --pid scan (which
// indexes every pipe) finds, and a cycle of pipes must be a deadlock.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "corral/waits/scan.hpp"
#include "corral/waits/snapshot.hpp"

using namespace std::chrono_literals;

namespace {

// Children that are killed and reaped by pid when the test ends.
class Children {
 public:
  template <class Body>
  pid_t spawn(Body&& body) {
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(0);
      body();
      for (;;) ::pause();
    }
    if (pid > 0) pids_.push_back(pid);
    return pid;
  }
  ~Children() {
    for (pid_t p : pids_) ::kill(p, SIGKILL);
    for (pid_t p : pids_) ::waitpid(p, nullptr, 0);
  }

 private:
  std::vector<pid_t> pids_;
};

// A private directory for the FIFO, removed even when an assertion ends the test.
struct FifoDir {
  std::string dir, fifo;
  FifoDir() {
    char tmpl[] = "/tmp/corral-waits-full-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    dir = tmpl;
    fifo = dir + "/fifo";
    if (::mkfifo(fifo.c_str(), 0600) != 0) fifo.clear();
  }
  ~FifoDir() {
    if (!fifo.empty()) ::unlink(fifo.c_str());
    if (!dir.empty()) ::rmdir(dir.c_str());
  }
};

void block_reading(int fd) {
  char c;
  (void)!::read(fd, &c, 1);
  ::_exit(1);  // a write end was closed or written: not what the test set up
}

using HoldSet = std::set<std::tuple<pid_t, std::string>>;

// Holders of each resource some process in `pids` waits on, by resource key.
std::map<std::string, HoldSet> holders_by_key(const corral::waits::Snapshot& s, const std::set<pid_t>& waiters) {
  std::map<std::string, HoldSet> out;
  for (const auto& w : s.waits)
    if (waiters.count(w.pid)) out[s.resources[w.resource].key];
  for (const auto& h : s.holds) {
    auto it = out.find(s.resources[h.resource].key);
    if (it != out.end()) it->second.insert({h.pid, h.what});
  }
  return out;
}

std::size_t waits_of(const corral::waits::Snapshot& s, const std::set<pid_t>& pids) {
  return static_cast<std::size_t>(
      std::count_if(s.waits.begin(), s.waits.end(), [&](const auto& w) { return pids.count(w.pid) != 0; }));
}

}  // namespace

TEST(WaitsFullScan, PipeAndFifoHoldersMatchAScopedScanAndAPipeCycleIsADeadlock) {
  Children kids;
  // A and B: each reads a pipe whose only write end the other holds (a knot).
  int ab[2], ba[2], c3[2];
  ASSERT_EQ(::pipe(ab), 0);
  ASSERT_EQ(::pipe(ba), 0);
  ASSERT_EQ(::pipe(c3), 0);
  const pid_t a = kids.spawn([&] {
    ::close(ab[1]);
    ::close(ba[0]);
    ::close(c3[0]);
    ::close(c3[1]);
    block_reading(ab[0]);
  });
  const pid_t b = kids.spawn([&] {
    ::close(ba[1]);
    ::close(ab[0]);
    ::close(c3[0]);
    ::close(c3[1]);
    block_reading(ba[0]);
  });
  ::close(ab[0]);
  ::close(ab[1]);
  ::close(ba[0]);
  ::close(ba[1]);
  // C reads a pipe whose write end only a multi-threaded process M holds.
  const pid_t m = kids.spawn([&] {
    ::close(c3[0]);
    for (int i = 0; i < 3; ++i) std::thread([] { for (;;) ::pause(); }).detach();
  });
  const pid_t c = kids.spawn([&] {
    ::close(c3[1]);
    block_reading(c3[0]);
  });
  ::close(c3[0]);
  ::close(c3[1]);
  // W reads a FIFO that H holds open for reading and writing.
  FifoDir fifo_dir;
  ASSERT_FALSE(fifo_dir.fifo.empty()) << "mkdtemp or mkfifo failed";
  const std::string& fifo = fifo_dir.fifo;
  int holder_ready[2];
  ASSERT_EQ(::pipe(holder_ready), 0);
  const pid_t h = kids.spawn([&] {
    ::close(holder_ready[0]);
    (void)::open(fifo.c_str(), O_RDWR);
    ::close(holder_ready[1]);  // the FIFO is open: W's open will not block
  });
  ::close(holder_ready[1]);
  char byte;
  ASSERT_EQ(::read(holder_ready[0], &byte, 1), 0);
  ::close(holder_ready[0]);
  const pid_t w = kids.spawn([&] { block_reading(::open(fifo.c_str(), O_RDONLY)); });
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  ASSERT_GT(c, 0);
  ASSERT_GT(m, 0);
  ASSERT_GT(h, 0);
  ASSERT_GT(w, 0);

  const std::set<pid_t> waiters{a, b, c, w};
  // Until the four readers are asleep in read(2) and M has its threads, with a deadline.
  auto settled = [&](const corral::waits::Snapshot& s) {
    const corral::waits::ProcessInfo* threaded = s.process(m);
    return waits_of(s, waiters) == waiters.size() && threaded && threaded->tids.size() == 4;
  };
  std::optional<corral::waits::Snapshot> full;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto scan = corral::waits::scan_system({});
    ASSERT_TRUE(scan) << scan.error().message;
    full = std::move(*scan);
    if (settled(*full)) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(settled(*full));

  corral::waits::ScanOptions scoped;
  scoped.pids = {a, c, w};
  auto limited = corral::waits::scan_system(scoped);
  ASSERT_TRUE(limited) << limited.error().message;

  auto from_full = holders_by_key(*full, waiters);
  auto from_limited = holders_by_key(*limited, waiters);
  EXPECT_EQ(from_full, from_limited);
  ASSERT_EQ(from_full.size(), 4u);
  for (const auto& [key, holds] : from_full) {
    ASSERT_EQ(holds.size(), 1u) << key;
    const pid_t holder = std::get<0>(*holds.begin());
    EXPECT_EQ(std::get<1>(*holds.begin()).rfind("write end fd ", 0), 0u) << key;
    if (key.rfind("fifo:", 0) == 0) EXPECT_EQ(holder, h) << key;
    else EXPECT_TRUE(holder == a || holder == b || holder == m) << key << " held by " << holder;
  }

  auto report = corral::waits::analyze(*full);
  std::vector<corral::waits::Deadlock> ours;
  for (const auto& d : report.deadlocks)
    if (std::find(d.pids.begin(), d.pids.end(), a) != d.pids.end()) ours.push_back(d);
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours[0].pids, (std::vector<pid_t>{std::min(a, b), std::max(a, b)}));
  EXPECT_EQ(ours[0].resources.size(), 2u);
  for (const auto& d : report.deadlocks)
    for (pid_t p : {c, m, w, h}) EXPECT_EQ(std::count(d.pids.begin(), d.pids.end(), p), 0) << p;
}
