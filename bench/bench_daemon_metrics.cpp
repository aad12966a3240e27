// SPDX-License-Identifier: Apache-2.0
// Driver of bench/metrics.sh: three figures of corrald's metrics and events
// (issue 15), each beside a reference measured in the same run.
//   scrape:  corrald's CPU time per GET /metrics with N services (schedstat
//            run time), the client's wall time and the body size; reference:
//            the same for a `status` request on the control socket.
//   idle:    corrald's wake-ups (schedstat run count, context switches) over a
//            window with metrics on and no scraper; reference: a sleep(1).
//   events:  SIGKILL of a service to the "exit" event line at an `events`
//            follower, median; reference: SIGKILL of our own child to its
//            pidfd becoming readable (the kernel's floor).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_daemon_stats.hpp"
#include "corral/base/unique_fd.hpp"

using namespace corral;
using bench::mono_ns;
using bench::percentile;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

struct Sched {
  std::uint64_t run_ns = 0, runs = 0, ctxt = 0;
};
Sched sched_of(pid_t pid) {
  Sched s;
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/schedstat"));
  std::uint64_t wait_ns = 0;
  in >> s.run_ns >> wait_ns >> s.runs;
  std::istringstream st(slurp("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(st, line)) {
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
      s.ctxt += std::stoull(line.substr(line.find(':') + 1));
  }
  return s;
}

UniqueFd unix_connect(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd.reset();
  return fd;
}

bool send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one '\n'-terminated line, keeping the rest in buf.
bool read_line(int fd, std::string& buf, std::string& line) {
  for (;;) {
    auto nl = buf.find('\n');
    if (nl != std::string::npos) {
      line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      return true;
    }
    char chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string control(const std::string& socket, const std::string& request) {
  UniqueFd fd = unix_connect(socket);
  std::string buf, line;
  if (!fd || !send_all(fd.get(), request + "\n") || !read_line(fd.get(), buf, line)) return "";
  return line;
}

std::size_t http_get_size(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  if (!send_all(fd.get(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) return 0;
  std::string all;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
    if (n <= 0) break;
    all.append(chunk, static_cast<std::size_t>(n));
  }
  auto end = all.find("\r\n\r\n");
  return end == std::string::npos ? 0 : all.size() - end - 4;
}

int run_scrape(pid_t daemon, int port, const std::string& socket, int runs) {
  std::vector<double> scrape_cpu, scrape_wall, status_cpu, status_wall;
  std::size_t body = 0;
  for (int i = 0; i < runs; ++i) {  // interleaved, so both see the same machine
    Sched a = sched_of(daemon);
    std::int64_t t0 = mono_ns();
    body = http_get_size(port);
    std::int64_t t1 = mono_ns();
    Sched b = sched_of(daemon);
    if (body == 0) {
      std::fprintf(stderr, "scrape %d failed\n", i);
      return 2;
    }
    scrape_cpu.push_back(static_cast<double>(b.run_ns - a.run_ns) / 1e6);
    scrape_wall.push_back(static_cast<double>(t1 - t0) / 1e6);
    a = sched_of(daemon);
    t0 = mono_ns();
    if (control(socket, R"({"v":1,"cmd":"status"})").empty()) return 2;
    t1 = mono_ns();
    b = sched_of(daemon);
    status_cpu.push_back(static_cast<double>(b.run_ns - a.run_ns) / 1e6);
    status_wall.push_back(static_cast<double>(t1 - t0) / 1e6);
  }
  double med = percentile(scrape_cpu, 50);
  std::printf("%-34s %10s %10s %10s\n", "", "median", "p90", "");
  std::printf("%-34s %8.3f ms %7.3f ms\n", "scrape: corrald CPU per scrape", med, percentile(scrape_cpu, 90));
  std::printf("%-34s %8.3f ms %7.3f ms\n", "scrape: client wall time", percentile(scrape_wall, 50),
              percentile(scrape_wall, 90));
  std::printf("%-34s %8.3f ms %7.3f ms\n", "reference: status, corrald CPU", percentile(status_cpu, 50),
              percentile(status_cpu, 90));
  std::printf("%-34s %8.3f ms %7.3f ms\n", "reference: status, client wall", percentile(status_wall, 50),
              percentile(status_wall, 90));
  std::printf("ratio scrape/status (corrald CPU): %.2f\n", med / std::max(1e-9, percentile(status_cpu, 50)));
  std::printf("body: %zu bytes\n", body);
  bool ok = med < 10.0 && body < (1u << 20);
  std::printf("goal: corrald side < 10 ms and body < 1 MiB: %s\n", bench::verdict(ok));
  return ok ? 0 : 1;
}

int run_idle(pid_t daemon, int window_s) {
  pid_t ref = ::fork();
  if (ref == 0) {
    ::execlp("sleep", "sleep", std::to_string(window_s + 5).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Sched d0 = sched_of(daemon), r0 = sched_of(ref);
  std::this_thread::sleep_for(std::chrono::seconds(window_s));
  Sched d1 = sched_of(daemon), r1 = sched_of(ref);
  ::kill(ref, SIGKILL);
  ::waitpid(ref, nullptr, 0);
  std::printf("over %d s: corrald ran %llu times (%llu context switches, %.3f ms CPU); reference sleep(1): %llu "
              "times\n",
              window_s, static_cast<unsigned long long>(d1.runs - d0.runs),
              static_cast<unsigned long long>(d1.ctxt - d0.ctxt), static_cast<double>(d1.run_ns - d0.run_ns) / 1e6,
              static_cast<unsigned long long>(r1.runs - r0.runs));
  bool ok = d1.ctxt == d0.ctxt;
  std::printf("goal: 0 wake-ups: %s\n", bench::verdict(ok));
  return ok ? 0 : 1;
}

int victim_pid(const std::string& socket, const std::string& name) {
  std::string line = control(socket, R"({"v":1,"cmd":"status","names":[")" + name + R"("]})");
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.value("ok", false) || j["data"].empty()) return 0;
  if (j["data"][0].value("state", "") != "running") return 0;
  return j["data"][0].value("pid", 0);
}

int run_events(const std::string& socket, const std::string& name, int runs) {
  UniqueFd follower = unix_connect(socket);
  std::string buf, line;
  if (!follower || !send_all(follower.get(), R"({"v":1,"cmd":"events","names":[")" + name + "\"]}\n") ||
      !read_line(follower.get(), buf, line)) {
    std::fprintf(stderr, "events request failed\n");
    return 2;
  }
  std::vector<double> lat, ref;
  for (int i = 0; i < runs; ++i) {
    int pid = 0;
    for (int tries = 0; tries < 2000 && (pid = victim_pid(socket, name)) <= 0; ++tries)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (pid <= 0) {
      std::fprintf(stderr, "%s is not running\n", name.c_str());
      return 2;
    }
    std::int64_t t0 = mono_ns();
    ::kill(pid, SIGKILL);
    for (;;) {
      if (!read_line(follower.get(), buf, line)) return 2;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.contains("event") && j["event"].value("kind", "") == "exit" &&
          j["event"].value("pid", 0) == pid)
        break;
    }
    lat.push_back(static_cast<double>(mono_ns() - t0) / 1e6);
    // Reference: our own child, killed, seen through its pidfd.
    pid_t c = ::fork();
    if (c == 0) {
      ::pause();
      ::_exit(0);
    }
    int pfd = static_cast<int>(::syscall(SYS_pidfd_open, c, 0));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    t0 = mono_ns();
    ::kill(c, SIGKILL);
    pollfd p{pfd, POLLIN, 0};
    ::poll(&p, 1, 5000);
    ref.push_back(static_cast<double>(mono_ns() - t0) / 1e6);
    ::close(pfd);
    ::waitpid(c, nullptr, 0);
  }
  double med = percentile(lat, 50);
  std::printf("SIGKILL to the exit event at a follower: median %.3f ms, p90 %.3f ms (%d runs)\n", med,
              percentile(lat, 90), runs);
  std::printf("reference, SIGKILL to our child's pidfd readable: median %.3f ms, p90 %.3f ms\n", percentile(ref, 50),
              percentile(ref, 90));
  std::printf("ratio: %.2f\n", med / std::max(1e-9, percentile(ref, 50)));
  bool ok = med < 1.0;
  std::printf("goal: median < 1 ms: %s\n", bench::verdict(ok));
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, socket, service = "victim";
  pid_t daemon = 0;
  int port = 0, runs = 50, window = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--mode") mode = v;
    else if (k == "--daemon-pid") daemon = std::stoi(v);
    else if (k == "--port") port = std::stoi(v);
    else if (k == "--socket") socket = v;
    else if (k == "--runs") runs = std::stoi(v);
    else if (k == "--window") window = std::stoi(v);
    else if (k == "--service") service = v;
  }
  bench::print_loadavg("before");
  int rc = 2;
  if (mode == "scrape") rc = run_scrape(daemon, port, socket, runs);
  else if (mode == "idle") rc = run_idle(daemon, window);
  else if (mode == "events") rc = run_events(socket, service, runs);
  else std::fprintf(stderr, "usage: --mode scrape|idle|events --daemon-pid P --port N --socket S [--runs N] [--window S]\n");
  bench::print_loadavg("after");
  return rc;
}
