// SPDX-License-Identifier: Apache-2.0
// Status latency: wall time of a whole `corralctl status --json` process against
// a daemon supervising many services, beside two references measured in the
// same run, interleaved:
//   - `corralctl --version`: the floor of any corralctl run (exec, dynamic
//     loading, CLI parsing, exit);
//   - the bare request over the socket from this process (connect, one status
//     line, read the reply): the daemon's own share, without a process start.
// bench/daemon_status.sh starts corrald with the services and runs this.
//
// CPU time is reported too (the machine is shared: wall time includes waiting
// for a CPU): the children's user+sys from wait4(), corrald's from schedstat.
//
// Usage: bench_daemon_status --corralctl PATH --socket PATH --expect N [--runs R] [--corrald-pid PID]
// Exit: 0 the goal is met, 1 missed, 2 the measurement itself failed.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_daemon_stats.hpp"
#include "corral/protocol/protocol.hpp"

namespace {

using corral::bench::mono_ns;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_daemon_status: %s\n", what.c_str());
  std::exit(2);
}

// Runs argv with stdout into a pipe we drain; returns the wall time in
// microseconds, the output, the child's CPU time and its wait for a CPU (run
// queue, /proc/PID/schedstat read while it is a zombie).
double run_timed(const std::vector<std::string>& args, std::string* out, double* cpu_us = nullptr,
                 double* wait_us = nullptr) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::int64_t t0 = mono_ns();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) die(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  // A large pipe, so that corralctl's output never waits for this reader.
  ::fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out) out->append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  siginfo_t si{};
  ::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOWAIT);
  if (wait_us) {
    *wait_us = 0;
    if (FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/schedstat").c_str(), "r")) {
      long long run = 0, wait = 0;
      if (std::fscanf(f, "%lld %lld", &run, &wait) == 2) *wait_us = static_cast<double>(wait) / 1000.0;
      std::fclose(f);
    }
  }
  int ws = 0;
  rusage ru{};
  ::wait4(pid, &ws, 0, &ru);
  const std::int64_t t1 = mono_ns();
  if (cpu_us)
    *cpu_us = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
              static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) die(args[0] + " " + args[1] + " ... failed (wait status " + std::to_string(ws) + ")");
  return static_cast<double>(t1 - t0) / 1000.0;
}

double raw_request(const std::string& socket_path, std::size_t* reply_bytes) {
  const std::int64_t t0 = mono_ns();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    die("connect " + socket_path + ": " + std::strerror(errno));
  corral::protocol::Request req;
  req.command = corral::protocol::Command::Status;
  std::string line = corral::protocol::encode(req);
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) die("send failed");
  std::string reply;
  char buf[65536];
  while (reply.empty() || reply.back() != '\n') {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("corrald closed the connection before the reply ended");
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const std::int64_t t1 = mono_ns();
  *reply_bytes = reply.size();
  return static_cast<double>(t1 - t0) / 1000.0;
}

// Nanoseconds the process has run on a CPU, all threads (/proc/PID/task/*/schedstat).
long long run_ns_of(pid_t pid) {
  if (pid <= 0) return 0;
  long long sum = 0;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      if (FILE* f = std::fopen((dir + "/" + e->d_name + "/schedstat").c_str(), "r")) {
        long long run = 0;
        if (std::fscanf(f, "%lld", &run) == 1) sum += run;
        std::fclose(f);
      }
    }
    ::closedir(d);
  }
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corralctl, socket_path;
  int runs = 30, expect = -1;
  pid_t corrald_pid = 0;  // optional: report corrald's CPU time per request
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--corralctl") corralctl = value();
    else if (a == "--socket") socket_path = value();
    else if (a == "--runs") runs = std::atoi(value().c_str());
    else if (a == "--expect") expect = std::atoi(value().c_str());
    else if (a == "--corrald-pid") corrald_pid = std::atoi(value().c_str());
    else die("unknown option " + a);
  }
  if (corralctl.empty() || socket_path.empty() || runs < 1 || expect < 0)
    die("usage: --corralctl PATH --socket PATH --expect N [--runs R>0]");

  const std::vector<std::string> status_cmd{corralctl, "--socket", socket_path, "status", "--json"};
  const std::vector<std::string> version_cmd{corralctl, "--version"};

  // The reply must really list the services, all running.
  std::string out;
  run_timed(status_cmd, &out);
  auto doc = nlohmann::json::parse(out, nullptr, false);
  if (!doc.is_array()) die("status --json did not print a JSON array");
  int running = 0;
  for (const auto& row : doc)
    if (row.value("state", "") == "running" && row.value("pid", 0) > 0) ++running;
  if (static_cast<int>(doc.size()) != expect || running != expect)
    die("expected " + std::to_string(expect) + " running services, got " + std::to_string(doc.size()) + " (" +
        std::to_string(running) + " running)");

  corral::bench::print_loadavg("before");
  std::vector<double> status_us, version_us, raw_us, status_cpu, version_cpu, status_wait;
  std::size_t reply_bytes = 0;
  const long long daemon_run0 = run_ns_of(corrald_pid);
  for (int i = 0; i < runs; ++i) {
    double cpu = 0, wait = 0;
    status_us.push_back(run_timed(status_cmd, nullptr, &cpu, &wait));
    status_cpu.push_back(cpu);
    status_wait.push_back(wait);
    version_us.push_back(run_timed(version_cmd, nullptr, &cpu));
    version_cpu.push_back(cpu);
    raw_us.push_back(raw_request(socket_path, &reply_bytes));
  }
  const long long daemon_run1 = run_ns_of(corrald_pid);
  corral::bench::print_loadavg("after");

  using corral::bench::percentile;
  auto row = [](const char* what, const std::vector<double>& v) {
    std::printf("%-46s %8.2f ms %8.2f ms %8.2f ms\n", what, percentile(v, 50) / 1000, percentile(v, 90) / 1000,
                percentile(v, 0) / 1000);
  };
  std::printf("\nstatus latency with %d services, %d runs each (interleaved); JSON printed: %zu bytes, reply line %zu bytes\n",
              expect, runs, out.size(), reply_bytes);
  std::printf("%-46s %11s %11s %11s\n", "", "median", "p90", "min");
  row("corralctl status --json (whole process)", status_us);
  row("reference: corralctl --version (process floor)", version_us);
  row("reference: bare status request on the socket", raw_us);
  const double sm = percentile(status_us, 50), vm = percentile(version_us, 50);
  std::printf("%-46s %8.2f\n", "ratio status / --version (medians)", vm > 0 ? sm / vm : 0);
  std::printf("CPU time (user+sys), median: corralctl status --json %.2f ms, corralctl --version %.2f ms\n",
              percentile(status_cpu, 50) / 1000, percentile(version_cpu, 50) / 1000);
  std::printf("corralctl status --json waiting for a CPU (run queue), median: %.2f ms\n",
              percentile(status_wait, 50) / 1000);
  if (corrald_pid > 0)
    std::printf("corrald CPU time per status request (mean of %d): %.2f ms\n", 2 * runs,
                static_cast<double>(daemon_run1 - daemon_run0) / 1e6 / (2 * runs));
  const bool ok = sm < 20000;
  // One machine-readable line for bench/run-all.sh: figure, corral, reference, unit.
  std::printf("RESULT|status|%.2f|%.2f|ms\n", sm / 1000, vm / 1000);
  std::printf("\n%-44s %-14s %s\n", "goal", "measured", "");
  char m[32];
  std::snprintf(m, sizeof m, "%.2f ms", sm / 1000);
  std::printf("%-44s %-14s %s\n", "status --json median < 20 ms", m, corral::bench::verdict(ok));
  return ok ? 0 : 1;
}
