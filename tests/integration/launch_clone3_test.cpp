// SPDX-License-Identifier: Apache-2.0
// How the launcher makes its child: clone3 with CLONE_PIDFD (vfork-style where
// allowed), CLONE_INTO_CGROUP on a real cgroup2 tree, the fork fallback when
// clone3 is missing, the asynchronous handshake (start + poll_handshake), and the
// same per-step error text on every path.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "corral/base/file_read.hpp"
#include "corral/launch/launch.hpp"
#include "corral/proc/frozen_cgroups.hpp"
#include "launch_test_util.hpp"

namespace corral::launch {
namespace {

using testing::ChildGuard;
using testing::sleeper;
using namespace std::chrono_literals;

// The pid a pidfd refers to, from /proc/self/fdinfo ("Pid:\t42"); -1 if none.
pid_t pid_of_pidfd(int pidfd) {
  auto text = read_file("/proc/self/fdinfo/" + std::to_string(pidfd));
  if (!text) return -1;
  auto at = text->find("\nPid:");
  if (at == std::string::npos) return -1;
  return static_cast<pid_t>(std::stol(text->substr(at + 5)));
}

// The cgroup2 path of pid ("0::/x/y" in /proc/PID/cgroup).
std::string v2_cgroup_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

// Resets simulate_clone3_missing however the test ends.
struct Clone3Missing {
  Clone3Missing() { simulate_clone3_missing(true); }
  ~Clone3Missing() { simulate_clone3_missing(false); }
};

// A cgroup made by the test on the machine's cgroup2 mount, removed at the end.
class TestCgroupV2 {
 public:
  TestCgroupV2() {
    auto mounts = proc::read_cgroup_mounts();
    if (mounts.unified_v2.empty()) {
      why_ = "no cgroup2 hierarchy mounted";
      return;
    }
    if (::geteuid() != 0 || ::access(mounts.unified_v2.c_str(), W_OK) != 0) {
      why_ = "cgroup2 hierarchy not writable (needs root)";
      return;
    }
    static int n = 0;
    name_ = "/corral-launch-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
    path_ = mounts.unified_v2 + name_;
    if (::mkdir(path_.c_str(), 0755) != 0) why_ = "mkdir " + path_ + ": " + std::strerror(errno);
  }
  ~TestCgroupV2() {
    if (!why_.empty()) return;
    (void)write_file(path_ + "/cgroup.freeze", "0");
    (void)write_file(path_ + "/cgroup.kill", "1");
    testing::wait_until([&] { return ::rmdir(path_.c_str()) == 0 || errno == ENOENT; });
  }
  const std::string& skip_reason() const { return why_; }
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }  // as /proc/PID/cgroup shows it

 private:
  std::string why_, name_, path_;
};

TEST(LaunchClone3, PidfdComesFromTheCloneAndNamesTheChild) {
  auto r = launch(sleeper());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->method, SpawnMethod::Fork) << "clone3 exists on this kernel (5.3+)";
  EXPECT_EQ(pid_of_pidfd(r->pidfd.get()), r->pid);
  ChildGuard child(std::move(*r));
  EXPECT_EQ(testing::proc_status_field(child.pid(), "Name"), "sleep");
}

TEST(LaunchClone3, VforkStyleOnX86WithoutSanitizer) {
  auto r = launch(sleeper());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(r->method, SpawnMethod::Clone3Vfork);
#else
  EXPECT_EQ(r->method, SpawnMethod::Clone3);
#endif
}

TEST(LaunchClone3, ForkFallbackWhenClone3IsMissing) {
  Clone3Missing missing;
  auto r = launch(sleeper());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->method, SpawnMethod::Fork);
  EXPECT_EQ(pid_of_pidfd(r->pidfd.get()), r->pid);
  ChildGuard child(std::move(*r));
  EXPECT_EQ(testing::proc_status_field(child.pid(), "Name"), "sleep");
}

TEST(LaunchClone3, FailedStepsReadTheSameOnEveryPath) {
  auto missing_exec = sleeper();
  missing_exec.argv = {"/nonexistent/corral-no-such-program"};
  auto missing_cwd = sleeper();
  missing_cwd.cwd = "/nonexistent-corral-dir";
  for (bool fork_fallback : {false, true}) {
    std::optional<Clone3Missing> missing;
    if (fork_fallback) missing.emplace();
    SCOPED_TRACE(fork_fallback ? "fork" : "clone3");
    auto a = launch(missing_exec);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().message, "exec /nonexistent/corral-no-such-program: No such file or directory");
    auto b = launch(missing_cwd);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().message, "chdir /nonexistent-corral-dir: No such file or directory");
  }
}

TEST(LaunchClone3, AsyncHandshakeReportsExecAndFailure) {
  auto good = prepare(sleeper());
  ASSERT_TRUE(good.ok()) << good.error().message;
  auto bad_spec = sleeper();
  bad_spec.argv = {"/nonexistent/corral-no-such-program"};
  auto bad = prepare(bad_spec);
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  for (int round = 0; round < 3; ++round) {  // the prepared work serves every start
    auto p = start(*good);
    ASSERT_TRUE(p.ok()) << p.error().message;
    bool done = false;
    ASSERT_TRUE(testing::wait_until([&] {
      auto r = poll_handshake(*p);
      EXPECT_TRUE(r.ok()) << r.error().message;
      done = r.ok() && *r;
      return !r.ok() || done;
    }));
    ASSERT_TRUE(done);
    ChildGuard child(std::move(p->process));
    EXPECT_EQ(testing::proc_status_field(child.pid(), "Name"), "sleep");

    auto f = start(*bad);
    ASSERT_TRUE(f.ok()) << f.error().message;
    std::optional<Error> error;
    ASSERT_TRUE(testing::wait_until([&] {
      auto r = poll_handshake(*f);
      if (!r.ok()) error = r.error();
      return !r.ok() || *r;
    }));
    ASSERT_TRUE(error.has_value()) << "the exec cannot have succeeded";
    EXPECT_EQ(error->message, "exec /nonexistent/corral-no-such-program: No such file or directory");
    int status = 0;
    EXPECT_EQ(::waitpid(f->process.pid, &status, WNOHANG), -1) << "the failed child is reaped";
  }
}

TEST(LaunchClone3, ChildIsBornInItsCgroupV2) {
  TestCgroupV2 cg;
  if (!cg.skip_reason().empty()) GTEST_SKIP() << cg.skip_reason();
  auto spec = sleeper();
  spec.cgroup_procs_path = cg.path() + "/cgroup.procs";
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->born_in_cgroup) << "CLONE_INTO_CGROUP";
  ChildGuard child(std::move(*r));
  EXPECT_EQ(v2_cgroup_of(child.pid()), cg.name());
}

TEST(LaunchClone3, ForkFallbackJoinsTheCgroupV2ByWriting) {
  TestCgroupV2 cg;
  if (!cg.skip_reason().empty()) GTEST_SKIP() << cg.skip_reason();
  Clone3Missing missing;
  auto spec = sleeper();
  spec.cgroup_procs_path = cg.path() + "/cgroup.procs";
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->born_in_cgroup);
  EXPECT_EQ(r->method, SpawnMethod::Fork);
  ChildGuard child(std::move(*r));
  EXPECT_EQ(v2_cgroup_of(child.pid()), cg.name());
}

// A child cloned into a frozen cgroup stops before execve. A vfork-style launcher
// would sleep with it; start() must return at once and the handshake complete
// when the cgroup thaws.
TEST(LaunchClone3, FrozenCgroupNeitherBlocksStartNorLosesTheLaunch) {
  TestCgroupV2 cg;
  if (!cg.skip_reason().empty()) GTEST_SKIP() << cg.skip_reason();
  ASSERT_TRUE(write_file(cg.path() + "/cgroup.freeze", "1"));
  ASSERT_TRUE(testing::wait_until([&] {
    auto e = read_file(cg.path() + "/cgroup.events");
    return e && e->find("frozen 1") != std::string::npos;
  }));
  auto spec = sleeper();
  spec.cgroup_procs_path = cg.path() + "/cgroup.procs";
  auto prepared = prepare(spec);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  auto p = start(*prepared);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->process.method, SpawnMethod::Clone3);
  EXPECT_TRUE(p->process.born_in_cgroup);
  auto early = poll_handshake(*p);
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_FALSE(*early) << "a frozen child cannot have exec'd";
  ASSERT_TRUE(write_file(cg.path() + "/cgroup.freeze", "0"));
  bool done = false;
  ASSERT_TRUE(testing::wait_until([&] {
    auto r = poll_handshake(*p);
    EXPECT_TRUE(r.ok()) << r.error().message;
    done = r.ok() && *r;
    return !r.ok() || done;
  }));
  ChildGuard child(std::move(p->process));
  EXPECT_TRUE(done);
  EXPECT_EQ(v2_cgroup_of(child.pid()), cg.name());
}

}  // namespace
}  // namespace corral::launch
