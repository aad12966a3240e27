// SPDX-License-Identifier: Apache-2.0
// A real corrald for a test: started on a generated config with a private
// socket, log and state directory under a temp dir unique to the run; requests
// over the real socket; torn down by pid (SIGTERM, then SIGKILL of corrald and
// of every service process group it reported), and the temp dir removed.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "corral/base/file_read.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/protocol/protocol.hpp"
#include "program_dir.hpp"

namespace corral::testing {

using namespace std::chrono_literals;
inline constexpr auto kDaemonDeadline = std::chrono::seconds(10);

// Polls cond until it holds or the deadline passes; never sleeps longer than 10 ms at a time.
inline bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds deadline = kDaemonDeadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(5ms);
  }
}

// The whole of a file, or "" when it cannot be read.
inline std::string read_text(const std::string& path) {
  auto text = read_file(path);
  return text ? std::move(*text) : std::string();
}

inline bool process_exists(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

// The kernel state letter of a process ('Z' for a zombie), or 0 when it is gone.
inline char process_state(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto p = s.rfind(')');
  if (p == std::string::npos || p + 2 >= s.size()) return 0;
  return s[p + 2];
}

// A client connection speaking the line protocol, with a receive deadline.
class Client {
 public:
  explicit Client(const std::string& path, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd_.reset();
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    if (fd_) ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  bool connected() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }

  bool send_raw(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  // One line, or "" at EOF / timeout.
  std::string read_line() {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      char chunk[65536];
      ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  protocol::Response call(const protocol::Request& req) {
    if (!send_raw(protocol::encode(req))) return protocol::Response::failure("send failed");
    std::string line = read_line();
    if (line.empty()) return protocol::Response::failure("no reply (connection closed or timed out)");
    auto r = protocol::decode_response(line);
    return r ? *r : protocol::Response::failure("undecodable reply: " + line);
  }

 private:
  UniqueFd fd_;
  std::string buf_;
};

class DaemonFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/corral-daemon-test-" + std::to_string(::getpid()) + "-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);  // the unprivileged-client test connects as nobody
    socket_ = dir_ + "/corral.sock";
    config_ = dir_ + "/corral.toml";
    log_dir_ = dir_ + "/log";
  }

  void TearDown() override {
    stop_daemon();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void write_config(const std::string& toml) {
    std::ofstream f(config_, std::ios::trunc);
    f << toml;
  }

  // Writes the config, starts corrald on it and waits (with a deadline) until it answers.
  void start_daemon(const std::string& toml, std::vector<std::string> extra = {},
                    std::chrono::milliseconds up_deadline = kDaemonDeadline) {
    write_config(toml);
    std::vector<std::string> args = {corrald_bin_, "--config", config_, "--socket", socket_,
                                     "--log-dir", log_dir_, "--state-dir", dir_ + "/state"};
    // Fair share makes cgroups: a subtree of this run's own, so parallel tests never share one
    // (a test that names its own, in [daemon] cgroup_name or --cgroup-name, keeps it).
    if (toml.find("cgroup_name") == std::string::npos &&
        std::find(extra.begin(), extra.end(), "--cgroup-name") == extra.end()) {
      static int daemons = 0;
      args.push_back("--cgroup-name");
      args.push_back("corral-fx-" + std::to_string(::getpid()) + "-" + std::to_string(++daemons));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string err = dir_ + "/corrald.stderr";
    daemon_pid_ = ::fork();
    ASSERT_GE(daemon_pid_, 0);
    if (daemon_pid_ == 0) {
      int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    bool up = wait_until([&] {
      if (daemon_exited()) return true;
      Client c(socket_);
      return c.connected();
    }, up_deadline);
    ASSERT_TRUE(up && !daemon_exited()) << "corrald did not come up; its stderr:\n" << daemon_stderr();
  }

  bool daemon_exited() {
    if (daemon_pid_ <= 0) return true;
    int status = 0;
    pid_t r = ::waitpid(daemon_pid_, &status, WNOHANG);
    if (r == daemon_pid_) {
      daemon_status_ = status;
      daemon_pid_ = -1;
      return true;
    }
    return false;
  }

  std::string daemon_stderr() const {
    std::ifstream f(dir_ + "/corrald.stderr");
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }

  protocol::Response call(protocol::Command cmd, std::vector<std::string> names = {}) {
    protocol::Request req;
    req.command = cmd;
    req.names = std::move(names);
    return call(req);
  }
  protocol::Response call(const protocol::Request& req) {
    Client c(socket_);
    if (!c.connected()) return protocol::Response::failure("cannot connect to " + socket_);
    auto r = c.call(req);
    remember_pids(r);
    return r;
  }

  std::vector<protocol::ServiceStatus> status() {
    auto r = call(protocol::Command::Status);
    std::vector<protocol::ServiceStatus> out;
    if (!r.ok || !r.data.is_array()) return out;
    for (const auto& j : r.data)
      if (auto s = protocol::status_from_json(j)) out.push_back(*s);
    return out;
  }

  protocol::ServiceStatus status_of(const std::string& name) {
    for (auto& s : status())
      if (s.name == name) return s;
    return {};
  }

  // Waits for a service to reach a state (and a pid, if it should run).
  bool wait_state(const std::string& name, const std::string& state, std::chrono::milliseconds deadline = kDaemonDeadline) {
    return wait_until(
        [&] {
          auto s = status_of(name);
          return s.state == state && (state != "running" || s.pid > 0);
        },
        deadline);
  }

  // SIGTERM and a deadline; only if corrald does not stop by itself, SIGKILL it
  // and every service group it reported that still exists.
  void stop_daemon() {
    if (daemon_pid_ <= 0) return;
    ::kill(daemon_pid_, SIGTERM);
    if (wait_until([&] { return daemon_exited(); }, 20s)) return;
    ADD_FAILURE() << "corrald did not stop within 20 s of SIGTERM";
    ::kill(daemon_pid_, SIGKILL);
    int st;
    ::waitpid(daemon_pid_, &st, 0);
    daemon_pid_ = -1;
    for (pid_t p : seen_pids_)
      if (process_exists(p)) ::kill(-p, SIGKILL);
  }

  void remember_pids(const protocol::Response& r) {
    auto visit = [&](const nlohmann::json& j) {
      if (j.is_object() && j.contains("pid") && j["pid"].is_number_integer() && j["pid"].get<int>() > 0)
        seen_pids_.insert(j["pid"].get<int>());
    };
    if (r.data.is_array())
      for (const auto& j : r.data) visit(j);
    if (r.data.is_object() && r.data.contains("status")) visit(r.data["status"]);
  }

  std::string dir_, socket_, config_, log_dir_;
  std::string corrald_bin_ = program_dir() + "/daemon/corrald";  // a test may run a copy
  pid_t daemon_pid_ = -1;
  int daemon_status_ = 0;
  std::set<pid_t> seen_pids_;
};

}  // namespace corral::testing
