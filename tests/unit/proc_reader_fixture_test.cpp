// SPDX-License-Identifier: Apache-2.0
// read_process / read_all against a /proc-like fixture tree (tests/fixtures/proc/tree),
// and the cgroup mount parser on a real mountinfo copy.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "corral/pcb/pcb_json.hpp"
#include "corral/proc/frozen_cgroups.hpp"
#include "corral/proc/reader.hpp"
#include "proc_fixture.hpp"

namespace corral::proc {
namespace {

ReadOptions fixture_opts() {
  ReadOptions o;
  o.proc_root = std::string(CORRAL_FIXTURES_DIR) + "/proc/tree";
  o.check_frozen = false;
  o.user_names = false;
  return o;
}

TEST(ReaderFixture, CommWithParens) {
  auto p = read_process(5884, fixture_opts());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->id.comm, "a) (b");
  EXPECT_EQ(p->id.ppid, 5881);
  EXPECT_EQ(p->control.kernel_state, 'S');
  EXPECT_EQ(p->control.state, ProcState::Blocked);
  EXPECT_EQ(p->control.wchan, "anon_pipe_read");
  ASSERT_TRUE(p->control.blocked_syscall);
  EXPECT_EQ(*p->control.blocked_syscall, 0);  // read
  EXPECT_EQ(p->control.rss_kib, 3332u);       // VmRSS from status
  EXPECT_EQ(p->control.affinity, (std::vector<int>{0, 1}));
  EXPECT_EQ(p->control.run_delay_ns, 260218u);
  EXPECT_EQ(p->control.voluntary_ctxt, 4u);
  EXPECT_EQ(p->control.open_fds, -1);  // no fd/ folder in the fixture
  EXPECT_TRUE(p->cpu.syscall_readable);
  EXPECT_EQ(p->cpu.stack_pointer, 0x7ffc3c01e158u);
  ASSERT_FALSE(p->id.cmdline.empty());
  EXPECT_EQ(p->id.cmdline[0], "weird");
}

TEST(ReaderFixture, ZombieIsExitWithoutCmdline) {
  auto p = read_process(6049, fixture_opts());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->control.state, ProcState::Exit);
  EXPECT_TRUE(p->id.cmdline.empty());
  EXPECT_FALSE(p->cpu.syscall_readable);  // not read for zombies
}

TEST(ReaderFixture, KernelThreadAndIdleKworker) {
  auto k = read_process(2, fixture_opts());
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_TRUE(k->id.kernel_thread);
  EXPECT_EQ(k->control.state, ProcState::Blocked);
  EXPECT_FALSE(k->cpu.syscall_readable);  // "0 0x0 ..." means nothing for kernel threads
  EXPECT_FALSE(k->control.blocked_syscall);
  auto w = read_process(10, fixture_opts());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->control.kernel_state, 'I');
  EXPECT_EQ(w->control.state, ProcState::Blocked);
  EXPECT_EQ(w->control.nice, -20);
}

TEST(ReaderFixture, StoppedInSyscallIsBlockedSuspend) {
  auto p = read_process(5951, fixture_opts());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->control.kernel_state, 'T');
  EXPECT_EQ(p->control.state, ProcState::BlockedSuspend);
}

TEST(ReaderFixture, BusyRunningSyscallFile) {
  auto p = read_process(5940, fixture_opts());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->control.kernel_state, 'R');
  EXPECT_EQ(p->control.state, ProcState::Running);
  EXPECT_FALSE(p->control.state_sampled);  // no sample asked: said so
  EXPECT_TRUE(p->cpu.syscall_readable);
  EXPECT_FALSE(p->cpu.syscall_nr);  // "running": no registers
}

TEST(ReaderFixture, MissingPidIsEsrch) {
  auto p = read_process(424242, fixture_opts());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ESRCH);
  EXPECT_EQ(p.error().message, "no process with pid 424242");
}

TEST(ReaderFixture, ReadAllListsTheTree) {
  auto all = read_all(fixture_opts());
  ASSERT_TRUE(all.ok()) << all.error().message;
  std::vector<pid_t> pids;
  for (const Pcb& p : *all) pids.push_back(p.id.pid);
  EXPECT_EQ(pids, (std::vector<pid_t>{2, 10, 5884, 5940, 5951, 6049}));
}

TEST(ReaderFixture, JsonHasTheThreeSections) {
  auto p = read_process(5884, fixture_opts());
  ASSERT_TRUE(p.ok());
  nlohmann::json j = to_json(*p);
  ASSERT_TRUE(j.contains("identification"));
  ASSERT_TRUE(j.contains("processor"));
  ASSERT_TRUE(j.contains("control"));
  EXPECT_EQ(j["identification"]["comm"], "a) (b");
  EXPECT_EQ(j["control"]["state"], "Blocked");
  EXPECT_EQ(j["control"]["kernel_state"], "S");
  EXPECT_EQ(j["control"]["blocked_syscall"]["name"], "read");
  EXPECT_EQ(j["processor"]["syscall"]["number"], 0);
  EXPECT_FALSE(j.contains("threads"));
}

// A pid directory whose files are gone is what a process that exits mid-scan looks
// like (open gives ENOENT/ESRCH): read_all skips it, read_process says ESRCH.
TEST(ReaderFixture, VanishedProcessIsSkipped) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("corral-proc-tree-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "7777");  // listed, but its stat is gone
  fs::copy(fs::path(CORRAL_FIXTURES_DIR) / "proc/tree/5884", root / "5884");
  ReadOptions o = fixture_opts();
  o.proc_root = root.string();
  auto all = read_all(o);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().id.pid, 5884);
  auto gone = read_process(7777, o);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ESRCH);
  fs::remove_all(root);
}

TEST(ReaderFixture, CorruptStatNamesTheFile) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("corral-proc-bad-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "42");
  {
    FILE* f = std::fopen((root / "42/stat").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("42 (x) S notanumber\n", f);
    std::fclose(f);
  }
  ReadOptions o = fixture_opts();
  o.proc_root = root.string();
  auto p = read_process(42, o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("/42/stat: field 4 (ppid)"), std::string::npos) << p.error().message;
  fs::remove_all(root);
}

TEST(CgroupMounts, FromRealMountinfo) {
  CgroupMounts m = parse_cgroup_mounts(testing::proc_fixture("cgroup/mountinfo"));
  EXPECT_EQ(m.freezer_v1, "/sys/fs/cgroup/freezer");
  EXPECT_EQ(m.unified_v2, "/sys/fs/cgroup/unified");
  CgroupMounts none = parse_cgroup_mounts("22 27 0:21 / /proc rw,relatime - proc proc rw\n");
  EXPECT_TRUE(none.freezer_v1.empty());
  EXPECT_TRUE(none.unified_v2.empty());
}

}  // namespace
}  // namespace corral::proc
