// SPDX-License-Identifier: Apache-2.0
// daemon-reexec (issue 10 part 5): how long the control socket is unavailable
// while corrald re-executes itself under N services, and whether any service
// restarted or changed pid.
//
// A client polls `status` back to back (a new connection each time, as
// corralctl does) and records when each complete reply arrived. The figure is
// the longest gap between two replies:
//   - reference: the same polling for the same time with no re-exec (what one
//     status of N services costs on this machine, now);
//   - measured: the polling while `daemon-reexec` is asked for in the middle.
// Requests that fail (refused, closed, error) are counted: the goal is 0.
// Goal: measured longest gap under 100 ms, 0 failures, 0 restarts, 0 pids changed.
//
// Usage: bench_daemon_reexec --socket PATH --expect N [--window-ms MS (default 1000)] [--rounds R (default 3)]
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_daemon_stats.hpp"
#include "corral/protocol/protocol.hpp"

namespace {

using corral::bench::mono_ns;
using corral::protocol::Command;

// One request on a new connection; the reply, or a failure.
corral::protocol::Response ask(const std::string& path, Command cmd) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return corral::protocol::Response::failure(std::string("connect: ") + std::strerror(errno));
  }
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  corral::protocol::Request req;
  req.command = cmd;
  std::string out = corral::protocol::encode(req), in;
  if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
    ::close(fd);
    return corral::protocol::Response::failure("send failed");
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
    if (in.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  auto nl = in.find('\n');
  if (nl == std::string::npos) return corral::protocol::Response::failure("no reply");
  auto r = corral::protocol::decode_response(std::string_view(in).substr(0, nl));
  return r ? *r : corral::protocol::Response::failure("undecodable reply");
}

struct Services {
  std::map<std::string, std::pair<int, int>> pid_restarts;
  bool ok = false;
};

Services snapshot(const std::string& path) {
  Services s;
  auto r = ask(path, Command::Status);
  if (!r.ok || !r.data.is_array()) return s;
  for (const auto& j : r.data) s.pid_restarts[j.value("name", "")] = {j.value("pid", 0), j.value("restarts", 0)};
  s.ok = true;
  return s;
}

struct Poll {
  double longest_gap_ms = 0;
  int answered = 0;
  int failed = 0;
  std::string first_failure;
};

// Polls status for window_ms; at half-time, if reexec, asks for daemon-reexec.
Poll poll(const std::string& path, std::size_t expect, int window_ms, bool reexec, double* reexec_reply_ms,
          std::string* reexec_error) {
  Poll p;
  std::atomic<bool> stop{false};
  std::thread poller([&] {
    std::int64_t last = mono_ns();
    while (!stop) {
      auto r = ask(path, Command::Status);
      std::int64_t now = mono_ns();
      if (r.ok && r.data.is_array() && r.data.size() == expect) {
        p.longest_gap_ms = std::max(p.longest_gap_ms, static_cast<double>(now - last) / 1e6);
        last = now;
        ++p.answered;
      } else if (p.failed++ == 0) {
        p.first_failure = r.ok ? "status with " + std::to_string(r.data.size()) + " services" : r.error;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(window_ms / 2));
  if (reexec) {
    std::int64_t t0 = mono_ns();
    auto r = ask(path, Command::DaemonReexec);
    *reexec_reply_ms = static_cast<double>(mono_ns() - t0) / 1e6;
    if (!r.ok) *reexec_error = r.error;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(window_ms / 2));
  stop = true;
  poller.join();
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  std::size_t expect = 0;
  int window_ms = 1000, rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--socket") path = argv[i + 1];
    else if (a == "--expect") expect = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--window-ms") window_ms = std::atoi(argv[i + 1]);
    else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
  }
  if (path.empty() || expect == 0 || window_ms < 100 || rounds < 1) {
    std::fprintf(stderr, "usage: bench_daemon_reexec --socket PATH --expect N [--window-ms MS] [--rounds R]\n");
    return 2;
  }
  corral::bench::print_loadavg("before");
  Services before = snapshot(path);
  if (!before.ok || before.pid_restarts.size() != expect) {
    std::fprintf(stderr, "bench_daemon_reexec: status does not show %zu services\n", expect);
    return 2;
  }
  double worst_ref = 0, worst = 0;
  int failures = 0;
  bool reexec_failed = false;
  std::printf("%-6s %14s %14s %10s %16s\n", "round", "ref gap ms", "reexec gap ms", "failed", "reexec reply ms");
  for (int round = 1; round <= rounds; ++round) {
    double unused = 0, reply_ms = 0;
    std::string err;
    Poll ref = poll(path, expect, window_ms, false, &unused, &err);
    Poll got = poll(path, expect, window_ms, true, &reply_ms, &err);
    worst_ref = std::max(worst_ref, ref.longest_gap_ms);
    worst = std::max(worst, got.longest_gap_ms);
    failures += ref.failed + got.failed;
    if (!err.empty()) {
      reexec_failed = true;
      std::fprintf(stderr, "daemon-reexec failed: %s\n", err.c_str());
    }
    if (!got.first_failure.empty()) std::fprintf(stderr, "round %d: first failed status: %s\n", round, got.first_failure.c_str());
    std::printf("%-6d %14.1f %14.1f %10d %16.1f\n", round, ref.longest_gap_ms, got.longest_gap_ms,
                ref.failed + got.failed, reply_ms);
  }
  Services after = snapshot(path);
  int restarts_before = 0, restarts_after = 0, pids_changed = 0;
  for (const auto& [name, pr] : before.pid_restarts) {
    restarts_before += pr.second;
    auto it = after.pid_restarts.find(name);
    if (it == after.pid_restarts.end() || it->second.first != pr.first) ++pids_changed;
    else restarts_after += it->second.second;
  }
  corral::bench::print_loadavg("after");
  std::printf("\n%zu services, %d re-execs\n", expect, rounds);
  std::printf("longest status gap, reference (no re-exec)  %8.1f ms\n", worst_ref);
  std::printf("longest status gap during daemon-reexec     %8.1f ms (%.1fx the reference)  goal < 100 ms  %s\n", worst,
              worst_ref > 0 ? worst / worst_ref : 0.0, corral::bench::verdict(worst < 100 && !reexec_failed));
  std::printf("failed status requests                      %8d                              goal 0  %s\n", failures,
              corral::bench::verdict(failures == 0));
  std::printf("restarts before / after                     %4d / %-4d                         goal equal  %s\n",
              restarts_before, restarts_after, corral::bench::verdict(restarts_before == restarts_after));
  std::printf("services whose pid changed                  %8d                              goal 0  %s\n", pids_changed,
              corral::bench::verdict(pids_changed == 0));
  std::printf("RESULT|reexec-gap|%.1f|%.1f|ms\n", worst, worst_ref);
  return worst < 100 && failures == 0 && !reexec_failed && pids_changed == 0 && restarts_before == restarts_after ? 0 : 1;
}
