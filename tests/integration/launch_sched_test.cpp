// SPDX-License-Identifier: Apache-2.0
// The launcher's kernel-facing steps: scheduling policy and nice, CPU affinity,
// cgroup membership and the parent-death signal, checked against the kernel.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>

#include "corral/launch/launch.hpp"
#include "corral/sched/apply.hpp"
#include "launch_test_util.hpp"
#include "program_dir.hpp"

namespace corral::launch {
namespace {

using sched::Policy;
using sched::SchedSpec;
using testing::ChildGuard;
using testing::sleeper;
using testing::make_pipe;
using testing::proc_status_field;

void require_root() {
  if (::geteuid() != 0) GTEST_SKIP() << "real-time policies, cgroups and affinity changes here need root";
}

// Launches a sleeper with spec and returns what the kernel reports for it.
SchedSpec launch_and_read(const SchedSpec& want) {
  auto spec = sleeper();
  spec.sched = want;
  auto r = launch(spec);
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r) return {};
  ChildGuard child(std::move(*r));
  auto got = sched::read(child.pid());
  EXPECT_TRUE(got.ok()) << got.error().message;
  return got.ok() ? *got : SchedSpec{};
}

TEST(LaunchSched, Fifo10) {
  require_root();
  auto got = launch_and_read(SchedSpec{Policy::Fifo, 10, std::nullopt, 0, 0, 0});
  EXPECT_EQ(got.policy, Policy::Fifo);
  EXPECT_EQ(got.priority, 10U);
}

TEST(LaunchSched, RoundRobin) {
  require_root();
  auto got = launch_and_read(SchedSpec{Policy::RoundRobin, 5, std::nullopt, 0, 0, 0});
  EXPECT_EQ(got.policy, Policy::RoundRobin);
  EXPECT_EQ(got.priority, 5U);
}

TEST(LaunchSched, BatchWithNice) {
  auto got = launch_and_read(SchedSpec{Policy::Batch, 0, 5, 0, 0, 0});
  EXPECT_EQ(got.policy, Policy::Batch);
  EXPECT_EQ(got.nice, 5);
}

TEST(LaunchSched, OtherWithNice) {
  auto got = launch_and_read(SchedSpec{Policy::Other, 0, 7, 0, 0, 0});
  EXPECT_EQ(got.policy, Policy::Other);
  EXPECT_EQ(got.nice, 7);
}

TEST(LaunchSched, Idle) {
  auto got = launch_and_read(SchedSpec{Policy::Idle, 0, std::nullopt, 0, 0, 0});
  EXPECT_EQ(got.policy, Policy::Idle);
}

TEST(LaunchSched, Deadline) {
  require_root();
  auto got = launch_and_read(SchedSpec{Policy::Deadline, 0, std::nullopt, 10'000'000, 30'000'000, 30'000'000});
  EXPECT_EQ(got.policy, Policy::Deadline);
  EXPECT_EQ(got.runtime_ns, 10'000'000U);
  EXPECT_EQ(got.deadline_ns, 30'000'000U);
  EXPECT_EQ(got.period_ns, 30'000'000U);
}

TEST(LaunchSched, RefusedPriorityNamesTheStep) {
  auto spec = sleeper();
  spec.sched = SchedSpec{Policy::Fifo, 200, std::nullopt, 0, 0, 0};
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message, "sched_setattr fifo 200: Invalid argument");
}

TEST(LaunchSched, RefusedNiceNamesTheStep) {
  // Nice 100 is clamped by the kernel, not refused; a refused nice is a lower
  // nice as non-root. As root, check the clamp is what read() reports instead.
  if (::geteuid() == 0) {
    auto got = launch_and_read(SchedSpec{Policy::Other, 0, -20, 0, 0, 0});
    EXPECT_EQ(got.nice, -20);
    return;
  }
  auto spec = sleeper();
  spec.sched = SchedSpec{Policy::Other, 0, -20, 0, 0, 0};
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "setpriority nice -20: Permission denied");
}

TEST(LaunchSched, ApplyAndReadOnRunningProcess) {
  require_root();
  auto r = launch(sleeper());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  auto before = sched::read(child.pid());
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->policy, Policy::Other);
  ASSERT_TRUE(sched::apply(child.pid(), SchedSpec{Policy::RoundRobin, 3, std::nullopt, 0, 0, 0}).ok());
  auto after = sched::read(child.pid());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->policy, Policy::RoundRobin);
  EXPECT_EQ(after->priority, 3U);
  auto bad = sched::apply(child.pid(), SchedSpec{Policy::Fifo, 200, std::nullopt, 0, 0, 0});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "sched_setattr pid " + std::to_string(child.pid()) + " fifo 200: Invalid argument");
}

TEST(LaunchSched, ReadOfMissingProcess) {
  auto got = sched::read(0x3ffffff);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ESRCH);
}

TEST(LaunchAffinity, SingleCpu) {
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  int last = static_cast<int>(cpus) - 1;
  auto spec = sleeper();
  spec.cpu_affinity = {last};
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(proc_status_field(child.pid(), "Cpus_allowed_list"), std::to_string(last));
}

TEST(LaunchAffinity, MissingCpuNamesTheStep) {
  auto spec = sleeper();
  spec.cpu_affinity = {1000};
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message, "sched_setaffinity 1000: Invalid argument");
}

TEST(LaunchAffinity, DeadlineWithAffinityRejectedBeforeFork) {
  auto spec = sleeper();
  spec.sched = SchedSpec{Policy::Deadline, 0, std::nullopt, 10'000'000, 30'000'000, 30'000'000};
  spec.cpu_affinity = {0};
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(r.error().message,
            "cpu_affinity: cannot be combined with the deadline policy "
            "(deadline tasks must be free to run on every CPU)");
}

TEST(LaunchAffinity, TwoCpus) {
  if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) GTEST_SKIP() << "needs two CPUs";
  auto spec = sleeper();
  spec.cpu_affinity = {1, 0};
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(proc_status_field(child.pid(), "Cpus_allowed_list"), "0-1");
}

// A uniquely named v1 pids cgroup, removed (after its processes) at the end.
class PidsCgroup {
 public:
  PidsCgroup() : path_("/sys/fs/cgroup/pids/corral-launch-test-" + std::to_string(::getpid())) {
    created_ = ::mkdir(path_.c_str(), 0755) == 0;
  }
  ~PidsCgroup() {
    if (created_) ::rmdir(path_.c_str());
  }
  bool created() const { return created_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool created_ = false;
};

TEST(LaunchCgroup, JoinsCgroupBeforeExec) {
  require_root();
  if (!std::filesystem::exists("/sys/fs/cgroup/pids/cgroup.procs"))
    GTEST_SKIP() << "no cgroup v1 pids hierarchy at /sys/fs/cgroup/pids";
  PidsCgroup cg;
  ASSERT_TRUE(cg.created()) << "mkdir " << cg.path() << ": " << std::strerror(errno);
  std::string name = cg.path().substr(std::string("/sys/fs/cgroup/pids").size());
  {
    auto spec = sleeper();
    spec.cgroup_procs_path = cg.path() + "/cgroup.procs";
    auto r = launch(spec);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ChildGuard child(std::move(*r));
    auto cgroup = read_file("/proc/" + std::to_string(child.pid()) + "/cgroup");
    ASSERT_TRUE(cgroup.ok());
    EXPECT_NE(cgroup->find(":pids:" + name + "\n"), std::string::npos) << *cgroup;
    auto procs = read_file(cg.path() + "/cgroup.procs");
    ASSERT_TRUE(procs.ok());
    EXPECT_EQ(*procs, std::to_string(child.pid()) + "\n");
    ::kill(child.pid(), SIGKILL);
    ASSERT_TRUE(child.wait_exit().has_value());
  }
  // Reaped: the cgroup is empty again and rmdir (in ~PidsCgroup) can succeed.
  EXPECT_TRUE(testing::wait_until([&] {
    auto procs = read_file(cg.path() + "/cgroup.procs");
    return procs.ok() && procs->empty();
  }));
}

TEST(LaunchCgroup, MissingCgroupFailsBeforeFork) {
  auto spec = sleeper();
  spec.cgroup_procs_path = "/sys/fs/cgroup/pids/corral-no-such-group/cgroup.procs";
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "open " + spec.cgroup_procs_path + ": No such file or directory");
}

// Makes the test process a child subreaper for its lifetime, so an orphaned
// grandchild is reparented to us and we can reap it.
class Subreaper {
 public:
  Subreaper() { ok_ = ::prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) == 0; }
  ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0UL, 0UL, 0UL, 0UL); }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

// Runs the middle helper (with extra args), makes it exit, and expects its child
// to be killed by SIGKILL.
void expect_grandchild_dies_with_parent(const std::vector<std::string>& extra_args) {
  Subreaper subreaper;
  ASSERT_TRUE(subreaper.ok());
  auto in = make_pipe();
  auto out = make_pipe();
  LaunchSpec spec;
  spec.argv = {corral::testing::program_dir() + "/test-helpers/corral-test-pdeath"};
  spec.argv.insert(spec.argv.end(), extra_args.begin(), extra_args.end());
  spec.stdin_target = StdioTarget::from_fd(in.read.get());
  spec.stdout_target = StdioTarget::from_fd(out.write.get());
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  in.read.reset();
  out.write.reset();
  ChildGuard middle(std::move(*r));

  auto line = testing::read_line(out.read.get());
  ASSERT_TRUE(line.has_value()) << "the middle process did not report its child";
  pid_t grandchild = static_cast<pid_t>(std::stol(*line));
  UniqueFd grandchild_fd(static_cast<int>(::syscall(SYS_pidfd_open, grandchild, 0U)));
  ASSERT_TRUE(grandchild_fd.valid()) << std::strerror(errno);
  pollfd pfd{grandchild_fd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 0), 0) << "the grandchild died before its parent";

  in.write.reset();  // the middle sees EOF on stdin and exits
  auto middle_status = middle.wait_exit();
  ASSERT_TRUE(middle_status.has_value());
  EXPECT_TRUE(WIFEXITED(*middle_status) && WEXITSTATUS(*middle_status) == 0);

  int rc = ::poll(&pfd, 1, static_cast<int>(std::chrono::milliseconds(testing::kDeadline).count()));
  int status = 0;
  if (rc != 1) {
    ::syscall(SYS_pidfd_send_signal, grandchild_fd.get(), SIGKILL, nullptr, 0U);  // clean up
    ::waitpid(grandchild, &status, 0);
    FAIL() << "the grandchild outlived its parent";
  }
  // We are its subreaper now, so we reap it and see how it died.
  ASSERT_EQ(::waitpid(grandchild, &status, 0), grandchild);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(LaunchParentDeath, GrandchildDiesWithItsParent) { expect_grandchild_dies_with_parent({}); }

// Changing credentials clears the parent-death signal in the kernel, so the
// launcher must set it again after setuid.
TEST(LaunchParentDeath, SurvivesTheUserChange) {
  require_root();
  expect_grandchild_dies_with_parent({"nobody"});
}

}  // namespace
}  // namespace corral::launch
