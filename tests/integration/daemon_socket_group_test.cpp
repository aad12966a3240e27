// SPDX-License-Identifier: Apache-2.0
// --socket-group / [daemon] socket_group: a real corrald makes its control
// socket root:GROUP 0660; a user outside the group cannot connect, a member
// can read status (and, as the socket's group, change state); an unknown group
// stops corrald at start with a clear error; and a re-exec keeps the socket.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>

#include "daemon_fixture.hpp"

namespace corral::testing {
namespace {

using protocol::Command;

constexpr const char* kOne = "[service.sleeper]\ncommand = \"sleep 100000\"\n";

// Runs a client as nobody with the given supplementary groups; returns what it saw.
std::string as_nobody(const std::string& socket, const std::vector<gid_t>& groups) {
  const passwd* nobody = ::getpwnam("nobody");
  int fds[2];
  if (!nobody || ::pipe(fds) != 0) return "setup failed";
  pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(nobody->pw_gid) != 0 ||
        ::setuid(nobody->pw_uid) != 0)
      ::_exit(10);
    Client c(socket);
    std::string out = c.connected() ? "connected" : std::string("refused: ") + std::strerror(errno);
    if (c.connected()) {
      protocol::Request req;
      req.command = Command::Status;
      auto r = c.call(req);
      out += r.ok ? " status ok" : " status refused: " + r.error;
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int st = 0;
  ::waitpid(child, &st, 0);
  return out;
}

// A group that exists here and is not nobody's own.
const group* some_group() {
  for (const char* name : {"users", "adm", "staff", "daemon"})
    if (const group* g = ::getgrnam(name)) return g;
  return nullptr;
}

TEST_F(DaemonFixture, SocketGroupMakesTheSocketRootGroup0660) {
  if (::geteuid() != 0 || !::getpwnam("nobody")) GTEST_SKIP() << "needs root and a 'nobody' user";
  const group* g = some_group();
  if (!g) GTEST_SKIP() << "no group users/adm/staff/daemon here";
  const gid_t gid = g->gr_gid;
  const std::string name = g->gr_name;
  start_daemon(kOne, {"--socket-group", name});
  struct stat st{};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, gid);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(as_nobody(socket_, {}), "refused: Permission denied");
  EXPECT_EQ(as_nobody(socket_, {gid}), "connected status ok");

  // A re-exec keeps the very same socket.
  protocol::Request req;
  req.command = Command::DaemonReexec;
  ASSERT_TRUE(call(req).ok) << daemon_stderr();
  struct stat again{};
  ASSERT_EQ(::stat(socket_.c_str(), &again), 0);
  EXPECT_EQ(again.st_ino, st.st_ino);
  EXPECT_EQ(as_nobody(socket_, {gid}), "connected status ok");
}

TEST_F(DaemonFixture, SocketGroupFromTheConfigAndAnUnknownGroupRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown of the socket)";
  const group* g = some_group();
  if (!g) GTEST_SKIP() << "no group users/adm/staff/daemon here";
  const gid_t gid = g->gr_gid;
  start_daemon(std::string("[daemon]\nsocket_group = \"") + g->gr_name + "\"\n" + kOne);
  struct stat st{};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, gid);
  stop_daemon();

  const std::string unknown = "corral-nogroup-" + std::to_string(::getpid());
  write_config(kOne);
  std::string cmd = corrald_bin_ + " --config " + config_ + " --socket " + socket_ + " --log-dir " + log_dir_ +
                    " --state-dir " + dir_ + "/state --socket-group " + unknown + " 2>" + dir_ + "/err";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 1);
  std::ifstream f(dir_ + "/err");
  std::string err((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(err.find("socket_group: no group named '" + unknown + "'"), std::string::npos) << err;
}

}  // namespace
}  // namespace corral::testing
