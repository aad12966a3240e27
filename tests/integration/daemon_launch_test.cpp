// SPDX-License-Identifier: Apache-2.0
// corrald's launch path: the exec handshake in epoll (launches in flight do not
// stop the loop), the same launch error text as before, and the prepared work
// (with its seccomp program) reused by crash restarts and replaced by a reload.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "corral/base/file_read.hpp"
#include "daemon_fixture.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

namespace fs = std::filesystem;
using protocol::Command;
using namespace std::chrono_literals;

const std::string kFreezerMount = "/sys/fs/cgroup/freezer";
const std::string kProbe = program_dir() + "/test-helpers/corral-test-seccomp_probe";

// Our own v1 freezer cgroup ("/" or "/a/b"), which corrald inherits.
std::string own_freezer_cgroup() {
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    auto a = line.find(':');
    auto b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctls = "," + line.substr(a + 1, b - a - 1) + ",";
    if (ctls.find(",freezer,") != std::string::npos) return line.substr(b + 1);
  }
  return {};
}

class DaemonLaunch : public DaemonFixture {};

TEST_F(DaemonLaunch, FailedExecIsTheLaunchErrorNotAnExit127) {
  start_daemon(R"(
[service.missing]
command = ["/nonexistent/corral-no-such-program"]
restart = "no"
)");
  ASSERT_TRUE(wait_until([&] { return !status_of("missing").last_exit.empty(); })) << daemon_stderr();
  auto s = status_of("missing");
  EXPECT_EQ(s.last_exit, "exec /nonexistent/corral-no-such-program: No such file or directory");
  EXPECT_EQ(s.pid, 0);
}

// 100 children held in their setup by a frozen freezer cgroup (each joins it before
// execve and freezes there): their handshakes stay open, and corrald still answers.
TEST_F(DaemonLaunch, HundredLaunchesInFlightWhileStatusAnswers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to write cgroups";
  if (!fs::exists(kFreezerMount + "/freezer.state") && !fs::exists(kFreezerMount + "/cgroup.procs"))
    GTEST_SKIP() << "needs the cgroup v1 freezer (the v2 path is LaunchClone3.FrozenCgroupNeitherBlocksStartNorLosesTheLaunch)";
  std::string name = "corral-launch-test-" + std::to_string(::getpid());
  std::string own = own_freezer_cgroup();
  std::string group_dir = kFreezerMount + (own == "/" ? "" : own) + "/" + name + "/held";
  start_daemon("[daemon]\ncgroup_name = \"" + name + "\"\n" + R"(
[group.held]
weight = 100
[service.w]
command = ["sleep", "1000"]
instances = 100
autostart = false
group = "held"
start_secs = "100ms"
)");
  ASSERT_TRUE(wait_until([&] { return fs::exists(group_dir); })) << group_dir << "\n" << daemon_stderr();
  struct Thaw {
    std::string dir;
    ~Thaw() { (void)write_file(dir + "/freezer.state", "THAWED"); }
  } thaw{group_dir};
  ASSERT_TRUE(write_file(group_dir + "/freezer.state", "FROZEN"));
  ASSERT_TRUE(wait_until([&] { return read_text(group_dir + "/freezer.state").starts_with("FROZEN"); }));

  protocol::Request start;
  start.command = Command::Start;
  start.names = {"w"};
  start.no_block = true;
  auto r = call(start);
  ASSERT_TRUE(r.ok) << r.error;

  // Every instance has a pid and is starting: launched, exec not confirmed.
  std::vector<protocol::ServiceStatus> all;
  ASSERT_TRUE(wait_until([&] {
    all = status();
    int in_flight = 0;
    for (const auto& s : all) in_flight += s.state == "starting" && s.pid > 0;
    return in_flight == 100;
  })) << daemon_stderr();
  // Held before execve: still corrald's image, frozen in the freezer.
  int frozen = 0;
  for (const auto& s : all) {
    std::string comm = read_text("/proc/" + std::to_string(s.pid) + "/comm");
    frozen += comm != "sleep\n";
  }
  EXPECT_EQ(frozen, 100) << "the children should be held in their setup";
  // The loop answers while they are in flight, and promptly.
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto st = status();
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(st.size(), 100U);
    EXPECT_LT(took, 2s) << "status took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  }
  auto starting = status_of("w@7");
  EXPECT_EQ(starting.state, "starting");

  ASSERT_TRUE(write_file(group_dir + "/freezer.state", "THAWED"));
  ASSERT_TRUE(wait_until([&] {
    int running = 0;
    for (const auto& s : status()) running += s.state == "running";
    return running == 100;
  }, 30s)) << daemon_stderr();
  for (const auto& s : status())
    EXPECT_EQ(read_text("/proc/" + std::to_string(s.pid) + "/comm"), "sleep\n") << s.name;
}

// A crash restart reuses the prepared work, filter included; a reload that
// changes the filter takes effect at the next launch; and back again.
TEST_F(DaemonLaunch, CrashRestartKeepsTheFilterAndReloadReplacesIt) {
  auto config = [](const std::string& filter) {
    return "[service.probe]\ncommand = \"" + kProbe + " socket\"\nrestart = \"always\"\nstart_secs = \"100ms\"\n" +
           "syscall_filter = [\"" + filter + "\"]\n";
  };
  std::string log = log_dir_ + "/probe.log";
  auto lines = [&] {
    std::vector<std::string> out;
    std::istringstream in(read_text(log));
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  };
  start_daemon(config("~@network-io"));
  ASSERT_TRUE(wait_until([&] { return lines().size() == 1; })) << daemon_stderr();
  EXPECT_EQ(lines()[0], "socket: EPERM");
  ASSERT_TRUE(wait_state("probe", "running"));
  pid_t first = status_of("probe").pid;

  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(wait_until([&] { return lines().size() == 2; })) << daemon_stderr();
  EXPECT_EQ(lines()[1], "socket: EPERM") << "the restarted process runs under the same filter";
  ASSERT_TRUE(wait_until([&] { auto s = status_of("probe"); return s.pid > 0 && s.pid != first; }));

  write_config(config("~@mount"));
  auto r = call(Command::Reload);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_TRUE(wait_until([&] { return lines().size() == 3; })) << daemon_stderr();
  EXPECT_EQ(lines()[2], "socket: ok") << "the reloaded filter no longer denies socket()";
  EXPECT_EQ(call(Command::Show, {"probe"}).data["settings"]["syscall_filter"], "~@mount");

  write_config(config("~@network-io"));
  r = call(Command::Reload);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_TRUE(wait_until([&] { return lines().size() == 4; })) << daemon_stderr();
  EXPECT_EQ(lines()[3], "socket: EPERM");
}

}  // namespace
}  // namespace corral::testing
