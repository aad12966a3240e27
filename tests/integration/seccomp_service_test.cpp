// SPDX-License-Identifier: Apache-2.0
// Syscall filters, capabilities and no_new_privs on real services under a real
// corrald: the probe helper tries a call and prints what happened to its log.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "corral/proc/reader.hpp"
#include "daemon_fixture.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

const std::string kProbe = program_dir() + "/test-helpers/corral-test-seccomp_probe";

class SeccompService : public DaemonFixture {
 protected:
  // Starts corrald with one service "probe" running the helper with `args`,
  // plus `keys` (TOML lines), and waits for the first line of its log.
  std::string run_probe(const std::string& args, const std::string& keys, const std::string& program = kProbe) {
    start_daemon("[service.probe]\ncommand = \"" + program + " " + args + "\"\nrestart = \"no\"\n" + keys);
    std::string log = log_dir_ + "/probe.log";
    std::string text;
    bool got = wait_until([&] {
      text = read_text(log);
      return text.find('\n') != std::string::npos || !status_of("probe").last_exit.empty();
    });
    EXPECT_TRUE(got) << "no output from the probe; status: " << status_of("probe").state << " "
                     << status_of("probe").last_exit << " " << status_of("probe").error;
    return text;
  }
};

TEST_F(SeccompService, DenyNetworkIoWithEpermSocketFailsAndServiceKeepsRunning) {
  EXPECT_EQ(run_probe("socket", "syscall_filter = [\"~@network-io\"]\n"), "socket: EPERM\n");
  ASSERT_TRUE(wait_state("probe", "running"));
  auto st = status_of("probe");
  // The PCB's privileges, from /proc/PID/status: one filter, no_new_privs forced on.
  auto pcb = proc::read_process(st.pid, proc::ReadOptions{});
  ASSERT_TRUE(pcb.ok()) << pcb.error().message;
  EXPECT_EQ(pcb->control.privileges.seccomp_mode, 2);
  EXPECT_EQ(pcb->control.privileges.seccomp_filters, 1);
  EXPECT_EQ(pcb->control.privileges.no_new_privs, 1);
  // corralctl show NAME gives the filter and the action.
  auto shown = call(protocol::Command::Show, {"probe"});
  ASSERT_TRUE(shown.ok) << shown.error;
  EXPECT_EQ(shown.data["settings"]["syscall_filter"], "~@network-io");
  EXPECT_EQ(shown.data["settings"]["syscall_action"], "eperm");
}

TEST_F(SeccompService, WithoutAFilterTheSameSocketCallWorks) {
  EXPECT_EQ(run_probe("socket", ""), "socket: ok\n");
  auto pcb = proc::read_process(status_of("probe").pid, proc::ReadOptions{});
  ASSERT_TRUE(pcb.ok());
  EXPECT_EQ(pcb->control.privileges.seccomp_mode, 0);
}

TEST_F(SeccompService, KillActionDiesOfSigsysAndStatusSaysWhy) {
  run_probe("socket", "syscall_filter = [\"~@network-io\"]\nsyscall_action = \"kill\"\n");
  ASSERT_TRUE(wait_until([&] { return !status_of("probe").last_exit.empty(); }));
  EXPECT_EQ(status_of("probe").last_exit, "killed by SIGSYS: a system call outside its syscall_filter");
  EXPECT_EQ(read_text(log_dir_ + "/probe.log"), "");
}

TEST_F(SeccompService, AllowListFromAGroupMinusNetworkIo) {
  EXPECT_EQ(run_probe("socket", "syscall_filter = [\"@system-service\", \"~@network-io\"]\n"), "socket: EPERM\n");
  EXPECT_TRUE(wait_state("probe", "running"));
}

TEST_F(SeccompService, ErrnoActionReturnsTheNamedErrno) {
  EXPECT_EQ(run_probe("socket", "syscall_filter = [\"~socket\"]\nsyscall_action = \"errno:EACCES\"\n"),
            "socket: EACCES\n");
}

TEST_F(SeccompService, NoWayAroundThroughTheI386Abi) {
  // First without a filter: the kernel must run i386 calls at all, else there is nothing to test.
  std::string plain = run_probe("int80-socket", "");
  stop_daemon();
  if (plain == "int80 socket: no i386 emulation\n" || plain == "int80 socket: ENOSYS\n")
    GTEST_SKIP() << "this kernel has no i386 emulation (int $0x80 faults); SeccompBuild.ChecksTheCompatArchitectures "
                    "checks the filter itself";
  ASSERT_EQ(plain, "int80 socket: ok\n");
  std::filesystem::remove_all(log_dir_);
  EXPECT_EQ(run_probe("int80-socket", "syscall_filter = [\"~@network-io\"]\n"), "int80 socket: EPERM\n");
  EXPECT_TRUE(wait_state("probe", "running"));
}

TEST_F(SeccompService, NoWayAroundThroughTheX32Abi) {
  // Without a filter a kernel without x32 says ENOSYS (or runs it); with one, the filter answers first.
  std::string plain = run_probe("x32-socket", "");
  stop_daemon();
  EXPECT_TRUE(plain == "x32 socket: ok\n" || plain == "x32 socket: ENOSYS\n") << plain;
  std::filesystem::remove_all(log_dir_);
  EXPECT_EQ(run_probe("x32-socket", "syscall_filter = [\"~@network-io\"]\n"), "x32 socket: EPERM\n");
  EXPECT_TRUE(wait_state("probe", "running"));
}

TEST_F(SeccompService, NonRootBindsPort80OnlyWithCapNetBindService) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a service as nobody";
  EXPECT_EQ(run_probe("bind 80", "user = \"nobody\"\ncapabilities = [\"CAP_NET_BIND_SERVICE\"]\n"), "bind: ok\n");
  auto pcb = proc::read_process(status_of("probe").pid, proc::ReadOptions{});
  ASSERT_TRUE(pcb.ok());
  EXPECT_EQ(pcb->control.privileges.cap_amb, 1ULL << 10);
  EXPECT_EQ(pcb->control.privileges.cap_prm, 1ULL << 10);
  EXPECT_EQ(pcb->control.privileges.cap_eff, 1ULL << 10);
  stop_daemon();
  std::filesystem::remove_all(log_dir_);
  EXPECT_EQ(run_probe("bind 80", "user = \"nobody\"\n"), "bind: EACCES\n");
}

TEST_F(SeccompService, NoNewPrivsStopsASetuidBinaryFromGainingRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a setuid-root binary";
  std::string copy = dir_ + "/setuid-probe";
  std::filesystem::copy_file(kProbe, copy);
  ASSERT_EQ(::chown(copy.c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod(copy.c_str(), 04755), 0);
  // Control: without no_new_privs the setuid bit works.
  EXPECT_EQ(run_probe("euid", "user = \"nobody\"\n", copy), "euid: 0\n");
  stop_daemon();
  std::filesystem::remove_all(log_dir_);
  EXPECT_EQ(run_probe("euid", "user = \"nobody\"\nno_new_privs = true\n", copy), "euid: 65534\n");
}

TEST_F(SeccompService, RootBoundingSetDropsTheRest) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  EXPECT_EQ(run_probe("bind 80", "capability_bounding = [\"CAP_NET_BIND_SERVICE\"]\n"), "bind: ok\n");
  std::string status = read_text("/proc/" + std::to_string(status_of("probe").pid) + "/status");
  EXPECT_NE(status.find("CapBnd:\t0000000000000400"), std::string::npos) << status;
}

// corralctl's stdout (popen: the command is ours, with fixed arguments).
std::string run_corralctl(const std::string& args) {
  std::string cmd = program_dir() + "/tools/corralctl " + args + " 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return "";
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  ::pclose(f);
  return out;
}

TEST_F(SeccompService, CorralctlSyscallsListsGroupsAndMembers) {
  std::string groups = run_corralctl("syscalls");
  EXPECT_NE(groups.find("@network-io"), std::string::npos) << groups;
  EXPECT_NE(groups.find("@system-service"), std::string::npos);
  std::string members = run_corralctl("syscalls @privileged");
  EXPECT_NE(members.find("\nreboot\n"), std::string::npos) << members;  // through @reboot
  EXPECT_NE(run_corralctl("syscalls @netwrk-io").find("did you mean \"@network-io\"?"), std::string::npos);
}

// Learning mode on a real program: python3 opening a socket and a file under a
// small filter. What it learned, written back as the filter with "kill", lets it run.
TEST_F(SeccompService, LearnedFilterLetsPythonRunUnderKill) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  std::string script = dir_ + "/probe.py";
  std::ofstream(script) << "import socket, signal, sys\n"
                           "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                           "open('" + dir_ + "/probe.py').read()\n"
                           "print('done', flush=True)\n"
                           "signal.pause()\n";
  EXPECT_EQ(run_probe(script, "syscall_filter = [\"@basic-io\"]\nsyscall_filter_mode = \"learn\"\n",
                      "/usr/bin/python3"),
            "done\n");
  EXPECT_TRUE(wait_state("probe", "running"));
  std::string table = run_corralctl("--socket " + socket_ + " syscalls learned probe");
  EXPECT_NE(table.find("socket "), std::string::npos) << table;
  EXPECT_NE(table.find("openat "), std::string::npos) << table;
  std::string line = run_corralctl("--socket " + socket_ + " syscalls learned probe --suggest");
  ASSERT_EQ(line.rfind("syscall_filter = [\"@basic-io\", ", 0), 0U) << line;
  EXPECT_NE(line.find("\"socket\""), std::string::npos) << line;
  stop_daemon();
  std::filesystem::remove_all(log_dir_);
  EXPECT_EQ(run_probe(script, line + "syscall_action = \"kill\"\n", "/usr/bin/python3"), "done\n");
  EXPECT_TRUE(wait_state("probe", "running"));
  EXPECT_EQ(status_of("probe").last_exit, "");
}

}  // namespace
}  // namespace corral::testing
