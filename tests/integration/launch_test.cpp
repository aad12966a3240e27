// SPDX-License-Identifier: Apache-2.0
// The launcher against real processes: exec failures and their messages, the
// clean environment, cwd, umask, rlimits, session, stdio, user, fds, pidfd.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "corral/launch/launch.hpp"
#include "launch_test_util.hpp"

namespace corral::launch {
namespace {

using testing::ChildGuard;
using testing::make_pipe;
using testing::proc_status_field;
using testing::read_to_eof;
using testing::write_file_for_test;

std::string temp_path(const std::string& name) {
  return "/tmp/corral-launch-test-" + std::to_string(::getpid()) + "-" + name;
}

LaunchSpec spec_of(std::vector<std::string> argv) {
  LaunchSpec spec;
  spec.argv = std::move(argv);
  spec.stdout_target = StdioTarget::null();
  spec.stderr_target = StdioTarget::null();
  return spec;
}

// Runs spec with stdout to a pipe and returns (output, wait status).
std::pair<std::string, int> run_capture(LaunchSpec spec) {
  auto pipe = make_pipe();
  spec.stdout_target = StdioTarget::from_fd(pipe.write.get());
  auto launched = launch(spec);
  EXPECT_TRUE(launched.ok()) << launched.error().message;
  if (!launched) return {"", -1};
  pipe.write.reset();  // the child holds the only write end now
  ChildGuard child(std::move(*launched));
  auto out = read_to_eof(pipe.read.get());
  EXPECT_TRUE(out.has_value()) << "no EOF before the deadline";
  auto status = child.wait_exit();
  EXPECT_TRUE(status.has_value());
  return {out.value_or(""), status.value_or(-1)};
}

TEST(Launch, MissingBinaryReportsEnoent) {
  auto r = launch(spec_of({"/nonexistent/corral-no-such-program"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_EQ(r.error().message, "exec /nonexistent/corral-no-such-program: No such file or directory");
}

TEST(Launch, MissingBinaryOnPathReportsEnoentBeforeFork) {
  auto spec = spec_of({"corral-no-such-program"});
  spec.env["PATH"] = "/usr/bin:/bin";
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_EQ(r.error().message,
            "exec corral-no-such-program: No such file or directory (searched PATH=/usr/bin:/bin)");
}

TEST(Launch, NonExecutableFileReportsEacces) {
  std::string path = temp_path("noexec");
  {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(::write(fd.get(), "#!/bin/sh\n", 10), 10);
  }
  ::chmod(path.c_str(), 0644);  // whatever the umask did
  auto r = launch(spec_of({path}));
  ::unlink(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EACCES);
  EXPECT_EQ(r.error().message, "exec " + path + ": Permission denied");
}

TEST(Launch, EtcPasswdIsNotExecutable) {
  auto r = launch(spec_of({"/etc/passwd"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "exec /etc/passwd: Permission denied");
}

TEST(Launch, MissingCwdNamesChdir) {
  auto spec = spec_of({"/bin/true"});
  spec.cwd = "/nonexistent-corral-dir";
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_EQ(r.error().message, "chdir /nonexistent-corral-dir: No such file or directory");
}

TEST(Launch, FailedChildIsReaped) {
  auto spec = spec_of({"/bin/true"});
  spec.cwd = "/nonexistent-corral-dir";
  ASSERT_FALSE(launch(spec).ok());
  // launch() reaped it: we have no child left to wait for.
  int status;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(Launch, EnvironmentIsCleanAndSet) {
  auto spec = spec_of({"/usr/bin/env"});
  spec.env = {{"A", "1"}, {"B", "two words"}, {"EMPTY", ""}};
  ::setenv("CORRAL_LAUNCH_TEST_LEAK", "must not appear", 1);
  auto [out, status] = run_capture(spec);
  ::unsetenv("CORRAL_LAUNCH_TEST_LEAK");
  EXPECT_EQ(out, "A=1\nB=two words\nEMPTY=\n");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Launch, PathSearchUsesChildPath) {
  auto spec = spec_of({"env"});  // found through the child's PATH, not ours
  spec.env = {{"PATH", "/usr/bin"}};
  auto [out, status] = run_capture(spec);
  EXPECT_EQ(out, "PATH=/usr/bin\n");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Launch, CwdApplied) {
  auto spec = spec_of({"/bin/pwd"});
  spec.cwd = "/usr/share";
  auto [out, status] = run_capture(spec);
  EXPECT_EQ(out, "/usr/share\n");
}

TEST(Launch, UmaskApplied) {
  auto spec = spec_of({"/bin/sh", "-c", "umask"});
  spec.umask = 027;
  auto [out, status] = run_capture(spec);
  EXPECT_EQ(out, "0027\n");
}

TEST(Launch, UmaskVisibleInProcStatus) {
  auto spec = spec_of({"/bin/sleep", "1000"});
  spec.umask = 077;
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(proc_status_field(child.pid(), "Umask"), "0077");
}

TEST(Launch, RlimitsApplied) {
  auto spec = spec_of({"/bin/sleep", "1000"});
  spec.rlimits = {{RLIMIT_NOFILE, 123, 456}, {RLIMIT_CORE, 0, 0}};
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  auto limits = read_file("/proc/" + std::to_string(child.pid()) + "/limits");
  ASSERT_TRUE(limits.ok());
  EXPECT_NE(limits->find("Max open files            123                  456"), std::string::npos) << *limits;
  EXPECT_NE(limits->find("Max core file size        0                    0"), std::string::npos) << *limits;
}

TEST(Launch, RefusedRlimitNamesTheLimit) {
  // Above fs.nr_open even root gets EPERM for RLIMIT_NOFILE.
  auto nr_open = read_file("/proc/sys/fs/nr_open");
  ASSERT_TRUE(nr_open.ok());
  rlim_t too_many = std::stoull(*nr_open) + 1;
  auto spec = spec_of({"/bin/true"});
  spec.rlimits = {{RLIMIT_NOFILE, too_many, too_many}};
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EPERM);
  EXPECT_EQ(r.error().message, "setrlimit RLIMIT_NOFILE " + std::to_string(too_many) + "/" +
                                   std::to_string(too_many) + ": Operation not permitted");
}

TEST(Launch, BadRlimitRejectedBeforeFork) {
  auto spec = spec_of({"/bin/true"});
  spec.rlimits = {{RLIMIT_NOFILE, 10, 5}};
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "rlimit RLIMIT_NOFILE: soft limit 10 above hard limit 5");
}

TEST(Launch, NewSession) {
  auto r = launch(spec_of({"/bin/sleep", "1000"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(::getsid(child.pid()), child.pid());
  EXPECT_EQ(::getpgid(child.pid()), child.pid());
}

TEST(Launch, NoNewSessionKeepsOurs) {
  auto spec = spec_of({"/bin/sleep", "1000"});
  spec.new_session = false;
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(::getsid(child.pid()), ::getsid(0));
}

TEST(Launch, StdoutAndStderrToFileAndPipe) {
  std::string out_path = temp_path("stdout");
  ::unlink(out_path.c_str());
  auto err_pipe = make_pipe();
  auto spec = spec_of({"/bin/sh", "-c", "echo to-out; echo to-err >&2"});
  spec.stdout_target = StdioTarget::file(out_path, false);
  spec.stderr_target = StdioTarget::from_fd(err_pipe.write.get());
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  err_pipe.write.reset();
  ChildGuard child(std::move(*r));
  EXPECT_EQ(read_to_eof(err_pipe.read.get()), "to-err\n");
  auto status = child.wait_exit();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  auto file = read_file(out_path);
  ::unlink(out_path.c_str());
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(*file, "to-out\n");
}

TEST(Launch, StdoutFileAppends) {
  std::string out_path = temp_path("append");
  ASSERT_TRUE(write_file_for_test(out_path, "first\n"));
  auto spec = spec_of({"/bin/echo", "second"});
  spec.stdout_target = StdioTarget::file(out_path, true);
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  ASSERT_TRUE(child.wait_exit().has_value());
  auto file = read_file(out_path);
  ::unlink(out_path.c_str());
  EXPECT_EQ(file.ok() ? *file : "", "first\nsecond\n");
}

TEST(Launch, StdoutFileInMissingDirFailsBeforeFork) {
  auto spec = spec_of({"/bin/true"});
  spec.stdout_target = StdioTarget::file("/nonexistent-corral-dir/out.log");
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "open stdout file /nonexistent-corral-dir/out.log: No such file or directory");
}

TEST(Launch, UserNobodyApplied) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing user needs root";
  auto spec = spec_of({"/bin/sleep", "1000"});
  spec.user = "nobody";
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(proc_status_field(child.pid(), "Uid"), "65534 65534 65534 65534");
  EXPECT_EQ(proc_status_field(child.pid(), "Gid"), "65534 65534 65534 65534");
  EXPECT_EQ(proc_status_field(child.pid(), "Groups"), "65534");
}

TEST(Launch, GroupOverridesPrimaryGroup) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing user needs root";
  auto spec = spec_of({"/bin/sleep", "1000"});
  spec.user = "nobody";
  spec.group = "0";
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(proc_status_field(child.pid(), "Uid"), "65534 65534 65534 65534");
  EXPECT_EQ(proc_status_field(child.pid(), "Gid"), "0 0 0 0");
}

TEST(Launch, UnknownUserFailsBeforeFork) {
  auto spec = spec_of({"/bin/true"});
  spec.user = "corral-no-such-user";
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "user corral-no-such-user: no such user");
}

TEST(Launch, ExecAsNobodyOfRootOnlyFileNamesExec) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing user needs root";
  std::string path = temp_path("rootonly");
  ASSERT_TRUE(write_file_for_test(path, "#!/bin/sh\nexit 0\n"));
  ::chmod(path.c_str(), 0700);
  auto spec = spec_of({path});
  spec.user = "nobody";
  auto r = launch(spec);
  ::unlink(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "exec " + path + ": Permission denied");
}

TEST(Launch, PidfdReadableOnExit) {
  auto r = launch(spec_of({"/bin/sh", "-c", "exit 3"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  pollfd pfd{child.pidfd(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, static_cast<int>(std::chrono::milliseconds(testing::kDeadline).count())), 1);
  EXPECT_TRUE(pfd.revents & POLLIN);
  auto status = child.wait_exit();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 3);
}

TEST(Launch, PidfdNotReadableWhileRunning) {
  auto r = launch(spec_of({"/bin/sleep", "1000"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  pollfd pfd{child.pidfd(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);
}

TEST(Launch, InheritedFdsAreNotLeaked) {
  // Deliberately without O_CLOEXEC, and one at a high number.
  UniqueFd leaky(::open("/dev/null", O_RDONLY));
  ASSERT_TRUE(leaky.valid());
  UniqueFd high(::dup2(leaky.get(), 200));
  ASSERT_EQ(high.get(), 200);
  auto r = launch(spec_of({"/bin/sleep", "1000"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  std::set<std::string> fds;
  for (auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(child.pid()) + "/fd"))
    fds.insert(e.path().filename().string());
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2"}));
}

TEST(Launch, PipeTargetGoesOnlyToItsStdioFd) {
  auto pipe = make_pipe();
  // Clear CLOEXEC on the caller's write end: the launcher must still not leak it.
  ASSERT_EQ(::fcntl(pipe.write.get(), F_SETFD, 0), 0);
  auto spec = spec_of({"/bin/ls", "/proc/self/fd"});
  spec.stdout_target = StdioTarget::from_fd(pipe.write.get());
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  pipe.write.reset();
  ChildGuard child(std::move(*r));
  auto out = read_to_eof(pipe.read.get());
  // 0-2 and the directory fd ls opens to list /proc/self/fd (3).
  EXPECT_EQ(out, "0\n1\n2\n3\n");
  child.wait_exit();
}

TEST(Launch, SignalsResetAndUnblocked) {
  // The launcher ignores SIGPIPE and blocks SIGUSR1; the child must have neither.
  struct sigaction ign {}, old_pipe {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old_pipe);
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::sigprocmask(SIG_BLOCK, &usr1, &old_mask);
  auto r = launch(spec_of({"/bin/sleep", "1000"}));
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(proc_status_field(child.pid(), "SigIgn"), "0000000000000000");
  EXPECT_EQ(proc_status_field(child.pid(), "SigBlk"), "0000000000000000");
}

TEST(Launch, NoNewPrivsApplied) {
  auto spec = spec_of({"/bin/sleep", "1000"});
  spec.no_new_privs = true;
  auto r = launch(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ChildGuard child(std::move(*r));
  EXPECT_EQ(proc_status_field(child.pid(), "NoNewPrivs"), "1");
}

TEST(Launch, StdinFromFile) {
  std::string in_path = temp_path("stdin");
  ASSERT_TRUE(write_file_for_test(in_path, "hello from a file\n"));
  auto spec = spec_of({"/bin/cat"});
  spec.stdin_target = StdioTarget::file(in_path);
  auto [out, status] = run_capture(spec);
  ::unlink(in_path.c_str());
  EXPECT_EQ(out, "hello from a file\n");
}

TEST(Launch, StdinDefaultsToDevNull) {
  auto [out, status] = run_capture(spec_of({"/bin/cat"}));
  EXPECT_EQ(out, "");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Launch, EmptyArgvRejected) {
  LaunchSpec spec;
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "launch: argv is empty");
}

TEST(Launch, InvalidEnvNameRejected) {
  auto spec = spec_of({"/bin/true"});
  spec.env["A=B"] = "x";
  auto r = launch(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "env: invalid variable name \"A=B\"");
}

}  // namespace
}  // namespace corral::launch
