// SPDX-License-Identifier: Apache-2.0
// Readiness, health and dependencies end to end: a real corrald, real services
// speaking sd_notify (systemd-notify and a plain datagram writer), fd:N, real
// TCP/HTTP listeners and exec probes, watchdogs and `requires` chains.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "corral/base/file_read.hpp"
#include "daemon_fixture.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

using protocol::Command;
using protocol::Request;

const std::string kNotify = program_dir() + "/test-helpers/corral-test-notify";
const std::string kListen = program_dir() + "/test-helpers/corral-test-listen";

// A port for this run: tests of parallel runs must not collide.
int test_port(int offset) { return 20000 + static_cast<int>(::getpid() % 20000) + offset; }

// Runs a program to its end (with a deadline) and returns its exit status.
int run_program(std::vector<std::string> args, std::chrono::seconds deadline = 10s) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = -1;
  bool done = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, deadline);
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  return status;
}

class ReadinessTest : public DaemonFixture {
 protected:
  nlohmann::json show(const std::string& name) {
    auto r = call(Command::Show, {name});
    return r.ok ? r.data : nlohmann::json();
  }
};

TEST_F(ReadinessTest, DependentStartsOnlyOnceNotifyServiceIsReady) {
  start_daemon(R"(
[service.db]
command = ["sh", "-c", "sleep 2; )" + kNotify + R"( READY=1 STATUS=accepting; exec sleep 1000"]
notify = "systemd"

[service.web]
command = ["sleep", "1000"]
after = ["db"]
)");
  // While db starts, web waits and says why.
  ASSERT_TRUE(wait_state("db", "starting"));
  auto web = status_of("web");
  EXPECT_EQ(web.pid, 0);
  EXPECT_EQ(web.error, "waiting for db to be ready");
  EXPECT_FALSE(status_of("db").ready);

  ASSERT_TRUE(wait_state("web", "running", 15s));
  auto db = status_of("db");
  web = status_of("web");
  EXPECT_EQ(db.state, "running");
  EXPECT_TRUE(db.ready);
  EXPECT_EQ(db.status_text, "accepting");
  // db launched about 2 s before web: web was launched only after db's READY=1.
  EXPECT_GE(db.uptime_s - web.uptime_s, 1.8) << "db up " << db.uptime_s << " s, web up " << web.uptime_s << " s";
}

TEST_F(ReadinessTest, SystemdNotifyIsUnderstood) {
  if (::access("/usr/bin/systemd-notify", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/systemd-notify (package systemd)";
  start_daemon(R"(
[service.sd]
command = ["sh", "-c", "systemd-notify --ready --status='up via systemd-notify'; exec sleep 1000"]
notify = "systemd"
)");
  ASSERT_TRUE(wait_state("sd", "running"));
  auto s = status_of("sd");
  EXPECT_TRUE(s.ready);
  EXPECT_EQ(s.status_text, "up via systemd-notify");
}

TEST_F(ReadinessTest, NeverReadyFailsAfterStartTimeout) {
  start_daemon(R"(
[service.mute]
command = ["sleep", "1000"]
notify = "systemd"
start_timeout = "1s"
restart = "no"
)");
  ASSERT_TRUE(wait_state("mute", "exited", 10s));
  auto s = status_of("mute");
  EXPECT_NE(s.error.find("not ready within start_timeout 1s"), std::string::npos) << s.error;
  EXPECT_FALSE(s.ready);
}

TEST_F(ReadinessTest, ExtendTimeoutUsecKeepsASlowStartAlive) {
  // start_timeout is 1 s, but the service asks for 3 s more at once and becomes
  // ready after 2 s: without the extension it would have failed at 1 s.
  start_daemon(R"(
[service.slow]
command = ["sh", "-c", ")" + kNotify + R"( EXTEND_TIMEOUT_USEC=3000000; sleep 2; )" + kNotify +
               R"( READY=1; exec sleep 1000"]
notify = "systemd"
start_timeout = "1s"
restart = "no"
)");
  ASSERT_TRUE(wait_state("slow", "running", 10s));
  auto s = status_of("slow");
  EXPECT_TRUE(s.ready);
  EXPECT_EQ(s.restarts, 0);
  EXPECT_GE(s.uptime_s, 1.8) << "became ready only after its own 2 s";
}

TEST_F(ReadinessTest, ExtendTimeoutUsecStillEndsAStartThatNeverReadies) {
  // An extension moves the deadline; it does not remove it.
  start_daemon(R"(
[service.mute]
command = ["sh", "-c", ")" + kNotify + R"( EXTEND_TIMEOUT_USEC=1500000; exec sleep 1000"]
notify = "systemd"
start_timeout = "500ms"
restart = "no"
)");
  ASSERT_TRUE(wait_state("mute", "exited", 10s));
  auto s = status_of("mute");
  EXPECT_NE(s.error.find("not ready within start_timeout"), std::string::npos) << s.error;
}

TEST_F(ReadinessTest, StartTimeoutBacksOffAndCountsTowardTheLimit) {
  start_daemon(R"(
[service.mute]
command = ["sleep", "1000"]
notify = "systemd"
start_timeout = "300ms"
backoff_initial = "100ms"
start_limit_burst = 2
)");
  ASSERT_TRUE(wait_state("mute", "fatal", 10s));
  auto s = status_of("mute");
  EXPECT_NE(s.error.find("start limit reached"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("not ready within start_timeout"), std::string::npos) << s.error;
}

TEST_F(ReadinessTest, ForgedReadyFromOutsideIsIgnored) {
  start_daemon(R"(
[service.victim]
command = ["sleep", "1000"]
notify = "systemd"
)");
  ASSERT_TRUE(wait_state("victim", "starting"));
  std::string address = show("victim")["readiness"]["notify_socket"].get<std::string>();
  ASSERT_FALSE(address.empty());
  // This test process is no process of the service: its READY=1 must not count.
  int st = run_program({kNotify, "--socket", address, "READY=1"});
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "the barrier was released: the datagram was handled";
  EXPECT_EQ(status_of("victim").state, "starting");
  EXPECT_NE(daemon_stderr().find("not a process of a service"), std::string::npos) << daemon_stderr();
}

TEST_F(ReadinessTest, FdNotification) {
  start_daemon(R"(
[service.s6]
command = ["sh", "-c", "sleep 0.3; echo >&5; exec sleep 1000"]
notify = "fd:5"
)");
  ASSERT_TRUE(wait_state("s6", "running"));
  EXPECT_TRUE(status_of("s6").ready);
}

TEST_F(ReadinessTest, TcpProbeReadyAndFailing) {
  int port = test_port(1), closed = test_port(2);
  start_daemon("[service.up]\ncommand = [\"" + kListen + "\", \"" + std::to_string(port) +
               "\", \"--delay-ms\", \"300\"]\nready_probe = { tcp = \"127.0.0.1:" + std::to_string(port) +
               "\", interval = \"100ms\" }\n"
               "[service.down]\ncommand = [\"sleep\", \"1000\"]\nrestart = \"no\"\nstart_timeout = \"1s\"\n"
               "ready_probe = { tcp = \"127.0.0.1:" + std::to_string(closed) + "\", interval = \"200ms\" }\n");
  ASSERT_TRUE(wait_state("up", "running"));
  auto hist = show("up")["readiness"]["ready_probe"]["history"];
  ASSERT_FALSE(hist.empty());
  EXPECT_EQ(hist[0]["detail"], "connected");
  EXPECT_EQ(hist[0]["ok"], true);

  ASSERT_TRUE(wait_state("down", "exited"));
  auto d = show("down")["readiness"]["ready_probe"]["history"];
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0]["ok"], false);
  EXPECT_NE(d[0]["detail"].get<std::string>().find("refused"), std::string::npos) << d.dump();
}

// Sockets connected to `port` in TIME_WAIT, from /proc/net/tcp (state 06).
int time_wait_to(int port) {
  auto text = corral::read_file("/proc/net/tcp");
  if (!text) return -1;
  char want[8];
  std::snprintf(want, sizeof want, ":%04X", port);
  int n = 0;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state;
    f >> slot >> local >> remote >> state;
    if (state == "06" && (remote.ends_with(want) || local.ends_with(want))) ++n;
  }
  return n;
}

// A tcp health probe every 20 ms: each probe's connection is reset (no
// TIME_WAIT left behind), the sockets corrald keeps for probes stay few, and
// every probe of a listening service passes.
TEST_F(ReadinessTest, TcpProbesResetTheirConnectionsAndKeepFewSockets) {
  int port = test_port(5);
  start_daemon("[service.srv]\ncommand = [\"" + kListen + "\", \"" + std::to_string(port) +
               "\"]\nready_probe = { tcp = \"127.0.0.1:" + std::to_string(port) + "\", interval = \"20ms\" }\n" +
               "health_probe = { tcp = \"127.0.0.1:" + std::to_string(port) + "\", interval = \"20ms\" }\n");
  ASSERT_TRUE(wait_state("srv", "running"));
  auto probed = [&] { return show("srv")["readiness"]["health_probe"]["history"]; };
  ASSERT_TRUE(wait_until([&] { return probed().size() >= 10; }, 10s)) << show("srv").dump();
  for (const auto& h : probed()) {
    EXPECT_EQ(h["ok"], true) << h.dump();
    EXPECT_EQ(h["detail"], "connected") << h.dump();
  }
  EXPECT_EQ(time_wait_to(port), 0) << "probe connections were closed with a FIN, not reset";
  // corrald holds at most a few TCP sockets for its probes, however many it ran.
  int tcp_sockets = 0;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(daemon_pid_) + "/fd", ec)) {
    auto target = std::filesystem::read_symlink(fd.path(), ec);
    if (!ec && target.string().rfind("socket:", 0) == 0) ++tcp_sockets;
  }
  EXPECT_LT(tcp_sockets, 12) << "sockets of corrald (control, notify, probes)";
}

TEST_F(ReadinessTest, HttpProbeReadyAndFailing) {
  int ok_port = test_port(3), bad_port = test_port(4);
  start_daemon("[service.good]\ncommand = [\"" + kListen + "\", \"" + std::to_string(ok_port) +
               "\", \"--http\", \"204\"]\nready_probe = { http = \"http://127.0.0.1:" + std::to_string(ok_port) +
               "/ready\", interval = \"100ms\" }\n"
               "[service.bad]\ncommand = [\"" + kListen + "\", \"" + std::to_string(bad_port) +
               "\", \"--http\", \"503\"]\nrestart = \"no\"\nstart_timeout = \"3s\"\n"
               "ready_probe = { http = \"http://127.0.0.1:" + std::to_string(bad_port) + "/\", interval = \"100ms\" }\n");
  ASSERT_TRUE(wait_state("good", "running"));
  EXPECT_EQ(show("good")["readiness"]["ready_probe"]["history"][0]["detail"], "HTTP 204");
  ASSERT_TRUE(wait_state("bad", "exited"));
  const nlohmann::json bad = show("bad");  // a local: range-for over a temporary's member would dangle
  bool saw_503 = false;
  for (const auto& h : bad["readiness"]["ready_probe"]["history"]) saw_503 |= h["detail"] == "HTTP 503";
  EXPECT_TRUE(saw_503) << bad["readiness"].dump();
}

TEST_F(ReadinessTest, ExecProbeRunsWithTheServiceEnvironment) {
  std::string flag = dir_ + "/ready.flag";
  start_daemon(R"(
[service.ex]
command = ["sleep", "1000"]
env = { FLAG = ")" + flag + R"(" }
ready_probe = { exec = ["sh", "-c", "test -f \"$FLAG\""], interval = "100ms" }
)");
  ASSERT_TRUE(wait_state("ex", "starting"));
  ASSERT_TRUE(wait_until([&] { return !show("ex")["readiness"]["ready_probe"]["history"].empty(); }));
  EXPECT_EQ(status_of("ex").state, "starting");
  EXPECT_EQ(show("ex")["readiness"]["ready_probe"]["history"][0]["detail"], "exited with code 1");
  std::ofstream(flag) << "x";
  ASSERT_TRUE(wait_state("ex", "running"));
  EXPECT_EQ(show("ex")["readiness"]["ready_probe"]["history"][0]["detail"], "exited successfully");
}

TEST_F(ReadinessTest, FailingHealthProbeRestartsTheService) {
  std::string flag = dir_ + "/healthy.flag";
  std::ofstream(flag) << "x";
  start_daemon(R"(
[service.h]
command = ["sleep", "1000"]
start_secs = "0"
health_probe = { exec = ["test", "-f", ")" + flag + R"("], interval = "100ms", failure_threshold = 2 }
)");
  ASSERT_TRUE(wait_state("h", "running"));
  ASSERT_TRUE(wait_until([&] { return status_of("h").health == "ok"; }));
  pid_t first = status_of("h").pid;
  std::filesystem::remove(flag);
  ASSERT_TRUE(wait_until([&] { return status_of("h").restarts >= 1; }));
  std::ofstream(flag) << "x";
  auto hist = show("h")["history"];
  ASSERT_FALSE(hist.empty());
  EXPECT_NE(hist[0]["description"].get<std::string>().find("health probe failed 2 times in a row"), std::string::npos)
      << hist.dump();
  ASSERT_TRUE(wait_until([&] { auto s = status_of("h"); return s.state == "running" && s.pid != first; }));
}

TEST_F(ReadinessTest, StarvedWatchdogGetsItsSignalAndARestart) {
  start_daemon(R"(
[service.dog]
command = ["sh", "-c", ")" + kNotify + R"( READY=1; for i in 1 2 3; do )" + kNotify +
               R"( WATCHDOG=1; sleep 0.2; done; exec sleep 1000"]
notify = "systemd"
watchdog = "1s"
watchdog_signal = "USR1"
)");
  ASSERT_TRUE(wait_state("dog", "running"));
  ASSERT_TRUE(wait_until([&] { return status_of("dog").restarts >= 1; }, 10s));
  auto hist = show("dog")["history"];
  ASSERT_FALSE(hist.empty());
  std::string d = hist[0]["description"];
  EXPECT_NE(d.find("watchdog: no WATCHDOG=1 within 1s"), std::string::npos) << d;
  EXPECT_NE(d.find("SIGUSR1"), std::string::npos) << d;
}

TEST_F(ReadinessTest, RequiresStopPropagatesAndComesBack) {
  start_daemon(R"(
[service.db]
command = ["sh", "-c", ")" + kNotify + R"( READY=1; exec sleep 1000"]
notify = "systemd"

[service.web]
command = ["sleep", "1000"]
start_secs = "0"
requires = ["db"]
)");
  ASSERT_TRUE(wait_state("web", "running"));
  auto r = call(Command::Stop, {"db"});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_TRUE(wait_state("web", "stopped"));
  EXPECT_EQ(status_of("web").error, "waiting for db (down: start it first)");
  // db ready again: web follows.
  r = call(Command::Start, {"db"});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_TRUE(wait_state("web", "running"));

  // `start web` with db stopped starts db first.
  ASSERT_TRUE(call(Command::Stop, {"web"}).ok);
  ASSERT_TRUE(call(Command::Stop, {"db"}).ok);
  ASSERT_TRUE(wait_state("db", "stopped"));
  r = call(Command::Start, {"web"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data[0]["state"], "running") << r.data.dump();
  EXPECT_EQ(status_of("db").state, "running");
}

TEST_F(ReadinessTest, ReloadStartsAChangedServiceOnlyOnceWhatItWaitsForIsReady) {
  // web does not autostart at first; a reload makes it autostart while db is
  // not yet ready: it must wait for db, as it would at corrald's start.
  const std::string db = R"(
[service.db]
command = ["sh", "-c", "sleep 3; )" + kNotify + R"( READY=1; exec sleep 1000"]
notify = "systemd"
)";
  start_daemon(db + R"(
[service.web]
command = ["sleep", "1000"]
after = ["db"]
autostart = false
)");
  ASSERT_TRUE(wait_state("db", "starting"));
  write_config(db + R"(
[service.web]
command = ["sleep", "1000"]
after = ["db"]
)");
  auto r = call(Command::Reload);
  ASSERT_TRUE(r.ok) << r.error;
  auto web = status_of("web");
  EXPECT_EQ(web.pid, 0);
  EXPECT_EQ(web.error, "waiting for db to be ready");
  ASSERT_TRUE(wait_state("web", "running", 15s));
  EXPECT_EQ(status_of("db").state, "running");
  EXPECT_GE(status_of("db").uptime_s - status_of("web").uptime_s, 1.5);
}

TEST_F(ReadinessTest, StartBlocksUntilReadyUnlessNoBlock) {
  start_daemon(R"(
[service.slow]
command = ["sh", "-c", "sleep 1; )" + kNotify + R"( READY=1; exec sleep 1000"]
notify = "systemd"
autostart = false
)");
  auto t0 = std::chrono::steady_clock::now();
  auto r = call(Command::Start, {"slow"});
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data[0]["state"], "running");
  EXPECT_EQ(r.data[0]["ready"], true);
  EXPECT_GE(took, 900ms);

  ASSERT_TRUE(call(Command::Stop, {"slow"}).ok);
  Request req;
  req.command = Command::Start;
  req.names = {"slow"};
  req.no_block = true;
  r = call(req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data[0]["state"], "starting");
}

TEST_F(ReadinessTest, CorraldSendsItsOwnReady) {
  // Our own notify socket, as systemd would give corrald.
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(sock.valid());
  std::string name = "corral-test-manager/" + std::to_string(::getpid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  ASSERT_EQ(::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())),
            0);
  timeval tv{10, 0};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setenv("NOTIFY_SOCKET", ("@" + name).c_str(), 1);
  start_daemon("[service.a]\ncommand = [\"sleep\", \"1000\"]\n");
  ::unsetenv("NOTIFY_SOCKET");
  auto next = [&] {
    char buf[4096];
    ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  };
  std::string first = next();
  EXPECT_NE(first.find("READY=1"), std::string::npos) << first;
  EXPECT_NE(first.find("STATUS=1 services"), std::string::npos) << first;
  // The service must not see corrald's own NOTIFY_SOCKET.
  ASSERT_TRUE(wait_state("a", "running"));
  std::ifstream env("/proc/" + std::to_string(status_of("a").pid) + "/environ");
  std::string e((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
  EXPECT_EQ(e.find("NOTIFY_SOCKET"), std::string::npos);
  ::kill(daemon_pid_, SIGTERM);
  bool stopping = false;
  for (int i = 0; i < 10 && !stopping; ++i) {
    std::string m = next();
    if (m.empty()) break;
    stopping = m.find("STOPPING=1") != std::string::npos;
  }
  EXPECT_TRUE(stopping);
}

}  // namespace
}  // namespace corral::testing
