// SPDX-License-Identifier: Apache-2.0
// corrald end to end: a real daemon, real services, the real socket.
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon_fixture.hpp"
#include "program_dir.hpp"

namespace corral::testing {
namespace {

using protocol::Command;
using protocol::Request;

constexpr const char* kSleeper = R"(
[service.sleeper]
command = ["sleep", "1000"]
)";

TEST_F(DaemonFixture, StartStatusStop) {
  start_daemon(std::string(kSleeper) + R"(
[service.idle]
command = ["sleep", "1000"]
autostart = false
)");
  ASSERT_TRUE(wait_state("sleeper", "running")) << daemon_stderr();
  auto r = call(Command::Status);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.data.size(), 2u);
  for (const char* key : {"name", "state", "pid", "restarts", "uptime_s", "last_exit", "error"})
    EXPECT_TRUE(r.data[0].contains(key)) << key;
  EXPECT_EQ(status_of("idle").state, "stopped");

  r = call(Command::Start, {"idle"});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.data.size(), 1u);
  pid_t idle_pid = r.data[0]["pid"].get<int>();
  EXPECT_GT(idle_pid, 0);
  EXPECT_TRUE(process_exists(idle_pid));

  pid_t pid = status_of("sleeper").pid;
  auto show = call(Command::Show, {"sleeper"});
  ASSERT_TRUE(show.ok) << show.error;
  EXPECT_EQ(show.data["settings"]["command"], nlohmann::json::array({"sleep", "1000"}));
  EXPECT_EQ(show.data["settings"]["restart"], "on-failure");
  EXPECT_EQ(show.data["pcb"]["identification"]["pid"], pid);
  EXPECT_EQ(show.data["pcb"]["identification"]["ppid"], daemon_pid_);

  r = call(Command::Stop, {"sleeper"});  // replies once the process is gone
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data[0]["state"], "stopped");
  EXPECT_EQ(r.data[0]["pid"], 0);
  EXPECT_FALSE(process_exists(pid));
  EXPECT_EQ(r.data[0]["last_exit"], "killed by SIGTERM");

  r = call(Command::Stop, {"nosuch"});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "no such service: nosuch");
}

TEST_F(DaemonFixture, SigkilledServiceGetsNewPidWithinOneSecond) {
  start_daemon(R"(
[service.victim]
command = ["sleep", "1000"]
start_secs = "0"
)");
  ASSERT_TRUE(wait_state("victim", "running"));
  pid_t old_pid = status_of("victim").pid;
  ASSERT_EQ(::kill(old_pid, SIGKILL), 0);
  auto t0 = std::chrono::steady_clock::now();
  pid_t new_pid = 0;
  ASSERT_TRUE(wait_until([&] {
    auto s = status_of("victim");
    new_pid = s.pid;
    return s.pid > 0 && s.pid != old_pid;
  }));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 1s) << "restart took " << std::chrono::duration<double>(took).count() << " s";
  auto s = status_of("victim");
  EXPECT_EQ(s.restarts, 1);
  EXPECT_EQ(s.last_exit, "killed by SIGKILL");
  EXPECT_TRUE(process_exists(new_pid));
}

TEST_F(DaemonFixture, CrashLoopBacksOffThenGoesFatal) {
  start_daemon(R"(
[service.crasher]
command = ["sh", "-c", "echo crashing; exit 7"]
backoff_initial = "100ms"
backoff_max = "400ms"
start_limit_burst = 4
start_limit_interval = "60s"
)");
  bool saw_backoff = false;
  ASSERT_TRUE(wait_until([&] {
    auto s = status_of("crasher");
    saw_backoff |= s.state == "backoff";
    return s.state == "fatal";
  })) << daemon_stderr();
  EXPECT_TRUE(saw_backoff);
  auto s = status_of("crasher");
  EXPECT_NE(s.error.find("start limit reached: 4 starts within 60s"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("exited with code 7"), std::string::npos) << s.error;
  EXPECT_EQ(s.restarts, 3);
  EXPECT_EQ(s.pid, 0);

  auto show = call(Command::Show, {"crasher"});
  ASSERT_TRUE(show.ok) << show.error;
  ASSERT_EQ(show.data["history"].size(), 4u);
  EXPECT_EQ(show.data["history"][0]["code"], 7);
  // The delays doubled: the runs are spaced 100, 200, 400 ms apart at least.
  auto t = [&](int i) { return show.data["history"][i]["time_ms"].get<std::int64_t>(); };
  EXPECT_GE(t(0) - t(1), 350);
  EXPECT_GE(t(1) - t(2), 180);
  EXPECT_GE(t(2) - t(3), 90);
  EXPECT_NE(read_text(log_dir_ + "/crasher.log").find("crashing\ncrashing\n"), std::string::npos);

  // A deliberate start leaves fatal and tries again.
  auto r = call(Command::Start, {"crasher"});
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.data[0]["state"], "fatal");
}

TEST_F(DaemonFixture, ServiceIgnoringSigtermIsKilledAfterStopTimeout) {
  start_daemon(R"(
[service.stubborn]
command = ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]
stop_timeout = "1s"
)");
  ASSERT_TRUE(wait_state("stubborn", "running"));
  ASSERT_TRUE(wait_until([&] { return read_text(log_dir_ + "/stubborn.log").find("ready") != std::string::npos; }));
  pid_t pid = status_of("stubborn").pid;
  auto t0 = std::chrono::steady_clock::now();
  auto r = call(Command::Stop, {"stubborn"});
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data[0]["state"], "stopped");
  EXPECT_EQ(r.data[0]["last_exit"], "killed by SIGKILL");
  EXPECT_GE(took, 900ms);
  EXPECT_FALSE(process_exists(pid));
  EXPECT_EQ(::kill(-pid, 0), -1) << "the whole process group is gone";
  EXPECT_NE(daemon_stderr().find("sending SIGKILL"), std::string::npos);
}

TEST_F(DaemonFixture, MissingBinaryShowsTheExecError) {
  start_daemon(R"(
[service.ghost]
command = ["/nonexistent", "arg"]
start_limit_burst = 2
)");
  ASSERT_TRUE(wait_state("ghost", "fatal"));
  auto s = status_of("ghost");
  EXPECT_NE(s.error.find("exec /nonexistent: No such file or directory"), std::string::npos) << s.error;
  EXPECT_EQ(s.last_exit, "exec /nonexistent: No such file or directory");
}

TEST_F(DaemonFixture, OrphanedGrandchildIsReaped) {
  std::string pidfile = dir_ + "/grandchild.pid";
  start_daemon(R"(
[service.forker]
command = ["sh", "-c", "(sleep 1 & echo $! > )" + pidfile + R"(); exec sleep 1000"]
)");
  ASSERT_TRUE(wait_state("forker", "running"));
  pid_t gpid = 0;
  ASSERT_TRUE(wait_until([&] {
    std::string t = read_text(pidfile);
    gpid = t.empty() ? 0 : std::stoi(t);
    return gpid > 0;
  }));
  // Its parent (the subshell) exited at once: the grandchild now belongs to corrald,
  // which must reap it when it exits: it vanishes rather than staying a zombie.
  ASSERT_TRUE(wait_until([&] { return process_state(gpid) == 0; }))
      << "grandchild " << gpid << " is in state " << process_state(gpid);
  EXPECT_TRUE(process_exists(status_of("forker").pid));
}

TEST_F(DaemonFixture, LogRotatesAtTheSizeLimit) {
  start_daemon(R"(
[daemon]
log_max_size = "4K"
log_keep = 2

[service.chatty]
command = ["sh", "-c", "i=0; while [ $i -lt 400 ]; do echo \"line $i of some padding text\"; i=$((i+1)); done; echo done; exec sleep 1000"]
)");
  std::string log = log_dir_ + "/chatty.log";
  ASSERT_TRUE(wait_until([&] {
    auto r = call(Command::Logs, {"chatty"});
    return r.ok && r.data["text"].get<std::string>().find("done\n") != std::string::npos;
  })) << daemon_stderr();
  EXPECT_TRUE(std::filesystem::exists(log + ".1"));
  EXPECT_TRUE(std::filesystem::exists(log + ".2"));
  EXPECT_FALSE(std::filesystem::exists(log + ".3"));
  EXPECT_LE(std::filesystem::file_size(log), 4096u);
  EXPECT_LE(std::filesystem::file_size(log + ".1"), 4096u);
  EXPECT_GT(std::filesystem::file_size(log + ".1"), 2048u);

  Request req;
  req.command = Command::Logs;
  req.names = {"chatty"};
  req.lines = 2;
  auto r = call(req);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.data["text"], "line 399 of some padding text\ndone\n");
}

TEST_F(DaemonFixture, LogsFollowStreamsNewOutput) {
  start_daemon(R"(
[service.talker]
command = ["sh", "-c", "i=0; while :; do echo \"msg $i\"; i=$((i+1)); sleep 0.1; done"]
)");
  ASSERT_TRUE(wait_state("talker", "running"));
  Client c(socket_, std::chrono::seconds(10));
  Request req;
  req.command = Command::Logs;
  req.names = {"talker"};
  req.follow = true;
  auto r = c.call(req);
  ASSERT_TRUE(r.ok) << r.error;
  std::string seen;
  ASSERT_TRUE(wait_until([&] {
    std::string line = c.read_line();
    auto chunk = protocol::decode_log_chunk(line);
    if (chunk) seen += *chunk;
    return seen.find("msg ") != std::string::npos && seen.find('\n') != std::string::npos;
  }));
}

TEST_F(DaemonFixture, ReloadAppliesOnlyTheDifferenceAndRefusesABadFile) {
  start_daemon(R"(
[service.keep]
command = ["sleep", "1000"]
[service.change]
command = ["sleep", "1000"]
[service.drop]
command = ["sleep", "1000"]
)");
  for (const char* n : {"keep", "change", "drop"}) ASSERT_TRUE(wait_state(n, "running")) << n;
  pid_t keep = status_of("keep").pid, change = status_of("change").pid, drop = status_of("drop").pid;

  write_config(R"(
[service.keep]
command = ["sleep", "1000"]
[service.change]
command = ["sleep", "2000"]
[service.added]
command = ["sleep", "1000"]
)");
  auto r = call(Command::Reload);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data["added"], nlohmann::json::array({"added"}));
  EXPECT_EQ(r.data["removed"], nlohmann::json::array({"drop"}));
  EXPECT_EQ(r.data["changed"], nlohmann::json::array({"change"}));
  EXPECT_EQ(r.data["unchanged"], 1);
  ASSERT_TRUE(wait_state("added", "running"));
  ASSERT_TRUE(wait_until([&] {
    auto s = status_of("change");
    return s.pid > 0 && s.pid != change;
  }));
  ASSERT_TRUE(wait_until([&] { return status_of("drop").name.empty(); }));
  EXPECT_FALSE(process_exists(drop));
  EXPECT_EQ(status_of("keep").pid, keep);

  // A broken file: refused with its errors, nothing touched.
  auto before = status();
  write_config("[service.keep]\ncommand = [\"sleep\", \"1000\"]\nrestart = \"sometimes\"\n[service.broken\n");
  r = call(Command::Reload);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("reload refused"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("corral.toml:"), std::string::npos) << r.error;
  auto after = status();
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].name, before[i].name);
    EXPECT_EQ(after[i].pid, before[i].pid) << after[i].name;
  }
  // SIGHUP takes the same path (and is refused the same way).
  ASSERT_EQ(::kill(daemon_pid_, SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] { return daemon_stderr().find("SIGHUP: reloading") != std::string::npos; }));
  EXPECT_EQ(status_of("keep").pid, keep);
}

TEST_F(DaemonFixture, UnprivilegedClientCannotStopAService) {
  const passwd* nobody = ::getpwnam("nobody");
  if (::geteuid() != 0 || nobody == nullptr) GTEST_SKIP() << "needs root and a 'nobody' user";
  start_daemon(kSleeper);
  ASSERT_TRUE(wait_state("sleeper", "running"));
  pid_t pid = status_of("sleeper").pid;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  uid_t uid = nobody->pw_uid;
  gid_t gid = nobody->pw_gid;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(10);
    Client c(socket_);
    if (!c.connected()) ::_exit(11);
    std::string out;
    Request req;
    req.command = Command::Stop;
    req.names = {"sleeper"};
    auto stop = c.call(req);
    out += (stop.ok ? "ok" : "refused") + std::string("|") + stop.error + "\n";
    req.command = Command::Status;  // reading is allowed
    auto st = c.call(req);
    out += st.ok ? "status ok" : "status refused: " + st.error;
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_NE(out.find("refused|stop refused: permission denied: uid " + std::to_string(uid)), std::string::npos) << out;
  EXPECT_NE(out.find("status ok"), std::string::npos) << out;
  EXPECT_EQ(status_of("sleeper").pid, pid);
  EXPECT_TRUE(process_exists(pid));
}

TEST_F(DaemonFixture, HundredClientsAtOnceAllGetAnswers) {
  start_daemon(kSleeper);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(std::make_unique<Client>(socket_));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  Request req;
  req.command = Command::Status;
  std::string line = protocol::encode(req);
  for (auto& c : clients) ASSERT_TRUE(c->send_raw(line));
  int answered = 0;
  for (auto& c : clients) {
    auto r = protocol::decode_response(c->read_line());
    if (r && r->ok && r->data.size() == 1) ++answered;
  }
  EXPECT_EQ(answered, 100);
}

TEST_F(DaemonFixture, MisbehavingClientsGetErrorsAndTheDaemonCarriesOn) {
  start_daemon(kSleeper);
  {
    Client c(socket_);
    ASSERT_TRUE(c.send_raw("this is not json\n"));
    auto r = protocol::decode_response(c.read_line());
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->ok);
    EXPECT_NE(r->error.find("malformed JSON"), std::string::npos) << r->error;
    // The same connection still works.
    Request req;
    req.command = Command::Version;
    auto v = c.call(req);
    ASSERT_TRUE(v.ok);
    EXPECT_EQ(v.data["protocol"], protocol::kVersion);
  }
  {
    Client c(socket_);
    std::string huge(protocol::kMaxLine + 1000, 'x');
    c.send_raw(huge);  // no newline, and too long: refused and dropped
    auto r = protocol::decode_response(c.read_line());
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->error.find("longer than"), std::string::npos);
    EXPECT_EQ(c.read_line(), "");  // closed
  }
  {
    Client silent(socket_);  // connects and says nothing; others are served meanwhile
    EXPECT_TRUE(call(Command::Status).ok);
  }
  EXPECT_FALSE(daemon_exited());
  EXPECT_TRUE(call(Command::Status).ok);
}

TEST_F(DaemonFixture, IdleClientIsDropped) {
  start_daemon(kSleeper, {"--client-timeout", "1"});
  Client c(socket_, std::chrono::seconds(10));
  auto line = c.read_line();  // the daemon speaks first: the timeout notice, then EOF
  auto r = protocol::decode_response(line);
  ASSERT_TRUE(r.ok()) << line;
  EXPECT_NE(r->error.find("idle"), std::string::npos);
  EXPECT_EQ(c.read_line(), "");
}

TEST_F(DaemonFixture, AnIdleDaemonIsNotWokenByTheTimeoutOfAClientThatLeft) {
  // A client's idle timer is cancelled when it disconnects; the loop's timerfd
  // must not still fire for it (issue 13: 0 wakeups when nothing changes).
  start_daemon(kSleeper, {"--client-timeout", "2"});
  ASSERT_TRUE(wait_state("sleeper", "running"));
  ASSERT_TRUE(call(Command::Status).ok);  // connects, asks, leaves
  std::this_thread::sleep_for(500ms);     // let the state file's 20 ms coalescing pass
  auto switches = [&] {
    std::ifstream f("/proc/" + std::to_string(daemon_pid_) + "/status");
    std::string line;
    long total = 0;
    while (std::getline(f, line))
      if (line.find("ctxt_switches:") != std::string::npos) total += std::stol(line.substr(line.find(':') + 1));
    return total;
  };
  long before = switches();
  std::this_thread::sleep_for(3s);  // past the 2 s the client's timer was set for
  EXPECT_EQ(switches() - before, 0) << "corrald woke up while nothing happened";
}

TEST_F(DaemonFixture, RunStartsAnAdHocService) {
  start_daemon("");
  Request req;
  req.command = Command::Run;
  req.name = "adhoc";
  req.argv = {"sh", "-c", "echo hello from run; exec sleep 1000"};
  auto r = call(req);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GT(r.data[0]["pid"].get<int>(), 0);
  ASSERT_TRUE(wait_until([&] { return read_text(log_dir_ + "/adhoc.log") == "hello from run\n"; }));
  req.command = Command::Signal;
  req.names = {"adhoc"};
  req.signal = "TERM";
  ASSERT_TRUE(call(req).ok);
  ASSERT_TRUE(wait_state("adhoc", "exited"));
  EXPECT_EQ(status_of("adhoc").last_exit, "killed by SIGTERM");
}

TEST_F(DaemonFixture, SigtermStopsEveryServiceAndLeavesNothingBehind) {
  start_daemon(R"(
[service.a]
command = ["sleep", "1000"]
[service.family]
command = ["sh", "-c", "sleep 1000 & sleep 1000 & wait"]
[service.pool]
command = ["sleep", "1000"]
instances = 3
)");
  std::vector<pid_t> pids;
  ASSERT_TRUE(wait_until([&] {
    pids.clear();
    for (auto& s : status())
      if (s.pid > 0) pids.push_back(s.pid);
    return pids.size() == 5;
  }));
  ASSERT_EQ(::kill(daemon_pid_, SIGTERM), 0);
  ASSERT_TRUE(wait_until([&] { return daemon_exited(); }, 20s)) << daemon_stderr();
  EXPECT_TRUE(WIFEXITED(daemon_status_) && WEXITSTATUS(daemon_status_) == 0) << daemon_status_;
  for (pid_t p : pids) {
    EXPECT_FALSE(process_exists(p)) << p;
    EXPECT_EQ(::kill(-p, 0), -1) << "process group " << p << " still has members";
  }
  EXPECT_FALSE(std::filesystem::exists(socket_));
}

TEST_F(DaemonFixture, BadConfigAtStartIsReportedWithItsPlace) {
  write_config("[service.x]\ncommand = 42\n");
  const std::string corrald = program_dir() + "/daemon/corrald";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = ::open((dir_ + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::execl(corrald.c_str(), "corrald", "--config", config_.c_str(), "--socket", socket_.c_str(),
            "--log-dir", log_dir_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(read_text(dir_ + "/err").find("corral.toml:2:"), std::string::npos) << read_text(dir_ + "/err");
}

// Runs corralctl with the test's socket; returns its exit code, output in out.
int corralctl(const std::string& socket, const std::string& args, std::string& out) {
  std::string cmd = program_dir() + "/tools/corralctl --socket " + socket + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  out.clear();
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(DaemonFixture, CorralctlDrivesTheDaemon) {
  start_daemon(std::string(kSleeper) + R"(
[service.pool]
command = ["sleep", "1000"]
instances = 2
)");
  ASSERT_TRUE(wait_state("sleeper", "running"));
  std::string out;
  ASSERT_EQ(corralctl(socket_, "status --json", out), 0) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << out;
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["name"], "pool@0");
  for (const char* key : {"name", "state", "pid", "restarts", "uptime_s", "last_exit", "error"})
    EXPECT_TRUE(j[0].contains(key)) << key;

  ASSERT_EQ(corralctl(socket_, "stop pool", out), 0) << out;  // both instances
  EXPECT_NE(out.find("pool@0"), std::string::npos);
  EXPECT_NE(out.find("pool@1"), std::string::npos);
  EXPECT_EQ(status_of("pool@1").state, "stopped");
  EXPECT_EQ(corralctl(socket_, "stop nosuch", out), 1);
  EXPECT_EQ(out, "corralctl: no such service: nosuch\n");
  EXPECT_EQ(corralctl(socket_, "restart sleeper", out), 0) << out;
  EXPECT_EQ(corralctl(socket_, "signal sleeper NOTASIGNAL", out), 1);
  EXPECT_NE(out.find("unknown signal"), std::string::npos) << out;
  ASSERT_TRUE(wait_until([&] { return read_text(log_dir_ + "/sleeper.log").empty(); }));
  EXPECT_EQ(corralctl(socket_, "logs sleeper -n 5", out), 0) << out;
  EXPECT_EQ(corralctl(socket_, "shutdown", out), 0) << out;
  ASSERT_TRUE(wait_until([&] { return daemon_exited(); }));
}

TEST_F(DaemonFixture, CorralctlSaysWhenTheDaemonCannotBeReached) {
  std::string cmd = program_dir() + "/tools/corralctl --socket " + dir_ + "/none.sock status 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512] = {};
  std::string out;
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int status = ::pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(out, "corralctl: cannot reach corrald at " + dir_ + "/none.sock: No such file or directory\n");
}

}  // namespace
}  // namespace corral::testing
