// SPDX-License-Identifier: Apache-2.0
// No lost log lines across a crash of corrald: the fd holder keeps each log
// pipe's read end, so a service writing a numbered line every 10 ms loses no
// number across kill -9 of corrald and a restart one second later.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "daemon_fixture.hpp"

namespace corral::testing {
namespace {

using protocol::Command;

std::vector<long> numbers_in(const std::string& path) {
  std::ifstream f(path);
  std::vector<long> out;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) out.push_back(std::atol(line.c_str()));
  return out;
}

class LogKeepTest : public DaemonFixture {};

TEST_F(LogKeepTest, ANumberedLogLosesNoLineAcrossKillNineAndARestart) {
  const std::string cg = "corral-logkeep-" + std::to_string(::getpid());
  const std::string toml = R"(
[service.counter]
command = ["sh", "-c", "i=0; while :; do echo $i; i=$((i+1)); sleep 0.01; done"]
)";
  start_daemon(toml, {"--cgroup-name", cg});
  ASSERT_TRUE(wait_state("counter", "running")) << daemon_stderr();
  pid_t pid = status_of("counter").pid;
  const std::string log = log_dir_ + "/counter.log";
  ASSERT_TRUE(wait_until([&] { return numbers_in(log).size() >= 20; })) << daemon_stderr();
  ASSERT_TRUE(wait_until([&] {
    std::ifstream f(dir_ + "/state/corrald.state");
    std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return s.find("\"pid\":" + std::to_string(pid) + ",") != std::string::npos;
  }));

  ::kill(daemon_pid_, SIGKILL);
  int st = 0;
  ::waitpid(daemon_pid_, &st, 0);
  daemon_pid_ = -1;
  const std::size_t at_kill = numbers_in(log).size();
  // The scenario of the issue: corrald is away for one second (the pipe buffers).
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(process_state(pid) != 0 && process_state(pid) != 'Z') << "the service died while corrald was away (EPIPE/SIGPIPE?)";

  start_daemon(toml, {"--cgroup-name", cg});
  EXPECT_EQ(status_of("counter").pid, pid) << daemon_stderr();
  ASSERT_TRUE(wait_until([&] { return numbers_in(log).size() >= at_kill + 150; })) << daemon_stderr();
  ASSERT_TRUE(call(Command::Stop, {"counter"}).ok);

  auto nums = numbers_in(log);
  ASSERT_GE(nums.size(), at_kill + 150);
  for (std::size_t i = 0; i < nums.size(); ++i) {
    ASSERT_EQ(nums[i], static_cast<long>(i)) << "line " << i << " of " << log;
  }
  stop_daemon();
  EXPECT_TRUE(wait_until([&] { return ::access((dir_ + "/state/fdholder.sock").c_str(), F_OK) != 0; }))
      << "the fd holder did not quit";
}

}  // namespace
}  // namespace corral::testing
