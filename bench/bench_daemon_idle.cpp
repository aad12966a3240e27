// SPDX-License-Identifier: Apache-2.0
// Idle cost: CPU time, wakeups and memory of corrald while it supervises many
// sleeping services, beside a minimal reference supervisor measured over the
// same window: a process that forks+execs the same number of sleepers and
// blocks in waitpid().
//
// CPU time is read twice: utime+stime from /proc/PID/stat (clock ticks, as the
// issue asks) and the nanosecond run time from /proc/PID/task/*/schedstat (the
// ticks are 10 ms coarse, the goal is 30 ms over 30 s). Wakeups are the
// voluntary context switches of all threads.
// bench/daemon_idle.sh starts corrald (once without services for --rss0-kb,
// then with them) and runs this.
//
// Usage: bench_daemon_idle --daemon-pid PID --rss0-kb KB --services N --sleep PATH
//                          [--window SECONDS]
//   --sleep PATH: the sleeper to run (the script's symlink to sleep(1), whose
//   path marks the processes of this run).
// Exit: 0 the goal is met, 1 missed, 2 the measurement itself failed.
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench_daemon_stats.hpp"
#include "corral/base/file_read.hpp"

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_daemon_idle: %s\n", what.c_str());
  std::exit(2);
}

struct Usage {
  long long ticks = 0;        // utime + stime
  long long run_ns = 0;       // sum of the threads' schedstat run time
  long long wakeups = 0;      // voluntary context switches, all threads
  long long involuntary = 0;  // involuntary context switches, all threads
  long long slices = 0;       // times on a CPU (schedstat's third field), all threads
};

std::string slurp(const std::string& path) {
  auto r = corral::read_file(path);
  return r ? *r : std::string();
}

Usage usage_of(pid_t pid) {
  Usage u;
  const std::string dir = "/proc/" + std::to_string(pid);
  std::string stat = slurp(dir + "/stat");
  auto rp = stat.rfind(')');
  if (rp == std::string::npos) die("cannot read " + dir + "/stat (process gone?)");
  // Fields after "comm)": state is field 3; utime and stime are 14 and 15.
  const char* p = stat.c_str() + rp + 2;
  for (int field = 3; field < 14; ++field) p = std::strchr(p, ' ') + 1;
  char* end = nullptr;
  long long ut = std::strtoll(p, &end, 10);
  long long st = std::strtoll(end, nullptr, 10);
  u.ticks = ut + st;
  if (DIR* d = ::opendir((dir + "/task").c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const std::string t = dir + "/task/" + e->d_name;
      // schedstat: run time (ns), wait time (ns), number of times run on a CPU.
      const std::string sched = slurp(t + "/schedstat");
      char* next = nullptr;
      u.run_ns += std::strtoll(sched.c_str(), &next, 10);
      std::strtoll(next, &next, 10);
      u.slices += std::strtoll(next, nullptr, 10);
      std::string status = slurp(t + "/status");
      if (auto at = status.find("\nvoluntary_ctxt_switches:"); at != std::string::npos)
        u.wakeups += std::strtoll(status.c_str() + at + 25, nullptr, 10);
      if (auto at = status.find("\nnonvoluntary_ctxt_switches:"); at != std::string::npos)
        u.involuntary += std::strtoll(status.c_str() + at + 28, nullptr, 10);
    }
    ::closedir(d);
  }
  return u;
}

long rss_kb(pid_t pid) {
  std::string status = slurp("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("\nVmRSS:");
  if (at == std::string::npos) die("no VmRSS for pid " + std::to_string(pid));
  return std::strtol(status.c_str() + at + 7, nullptr, 10);
}

int count_fds(pid_t pid) {
  int n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

int count_children(pid_t pid) {
  int n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str())) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::string kids = slurp("/proc/" + std::to_string(pid) + "/task/" + e->d_name + "/children");
      for (char c : kids) n += c == ' ';
    }
    ::closedir(d);
  }
  return n;
}

pid_t g_holder = 0;

void end_holder() {
  if (g_holder > 0) {
    ::kill(-g_holder, SIGKILL);  // the holder and its sleepers share its process group
    ::waitpid(g_holder, nullptr, 0);
    g_holder = 0;
  }
}

// SIGTERM/SIGINT (the script's cleanup, Ctrl-C): end the reference, then exit.
void on_signal(int sig) {
  end_holder();
  ::_exit(128 + sig);
}

// The reference supervisor: forks+execs n sleepers, reports its RSS before
// doing so on the pipe, then blocks in waitpid() until killed.
pid_t start_holder(int n, const std::string& sleep_path, long* holder_rss0_kb) {
  int fds[2];
  if (::pipe(fds) != 0) die("pipe");
  pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    ::close(fds[0]);
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    long rss0 = rss_kb(::getpid());
    for (int i = 0; i < n; ++i) {
      pid_t c = ::fork();
      if (c == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        char* const argv[] = {const_cast<char*>(sleep_path.c_str()), const_cast<char*>("1000000"), nullptr};
        ::execv(argv[0], argv);
        ::_exit(127);
      }
    }
    if (::write(fds[1], &rss0, sizeof rss0) != sizeof rss0) ::_exit(1);
    ::close(fds[1]);
    for (;;) ::waitpid(-1, nullptr, 0);
  }
  ::close(fds[1]);
  if (::read(fds[0], holder_rss0_kb, sizeof *holder_rss0_kb) != sizeof *holder_rss0_kb) die("reference holder failed");
  ::close(fds[0]);
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  pid_t daemon = 0;
  long rss0 = -1;
  int services = -1, window = 30;
  std::string sleep_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--daemon-pid") daemon = std::atoi(value().c_str());
    else if (a == "--rss0-kb") rss0 = std::atol(value().c_str());
    else if (a == "--services") services = std::atoi(value().c_str());
    else if (a == "--window") window = std::atoi(value().c_str());
    else if (a == "--sleep") sleep_path = value();
    else die("unknown option " + a);
  }
  if (daemon <= 0 || rss0 < 0 || services <= 0 || window <= 0 || sleep_path.empty())
    die("usage: --daemon-pid PID --rss0-kb KB --services N --sleep PATH [--window SECONDS]");
  std::atexit(end_holder);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, on_signal);

  long holder_rss0 = 0;
  g_holder = start_holder(services, sleep_path, &holder_rss0);
  // Let the reference's sleepers finish exec'ing before the window opens.
  for (int i = 0; i < 600 && count_children(g_holder) < services; ++i) ::usleep(100000);
  if (count_children(g_holder) < services) die("reference: sleepers did not start");
  ::sleep(2);
  const int daemon_kids0 = count_children(daemon);

  corral::bench::print_loadavg("before");
  const Usage d0 = usage_of(daemon), r0 = usage_of(g_holder);
  const std::int64_t t0 = corral::bench::mono_ns();
  ::sleep(static_cast<unsigned>(window));
  const Usage d1 = usage_of(daemon), r1 = usage_of(g_holder);
  const double secs = static_cast<double>(corral::bench::mono_ns() - t0) / 1e9;
  corral::bench::print_loadavg("after");
  const int daemon_kids1 = count_children(daemon);
  const long drss = rss_kb(daemon), hrss = rss_kb(g_holder);
  const int dfds = count_fds(daemon);
  end_holder();

  const long tick = ::sysconf(_SC_CLK_TCK);
  auto ms_ticks = [&](const Usage& a, const Usage& b) { return static_cast<double>(b.ticks - a.ticks) * 1000.0 / static_cast<double>(tick); };
  auto ms_run = [](const Usage& a, const Usage& b) { return static_cast<double>(b.run_ns - a.run_ns) / 1e6; };
  const double d_ticks_ms = ms_ticks(d0, d1), d_run_ms = ms_run(d0, d1);
  const double pct_ticks = d_ticks_ms / (secs * 1000) * 100, pct_run = d_run_ms / (secs * 1000) * 100;

  std::printf("\nidle cost over %.1f s with %d supervised sleepers (corrald children: %d before, %d after)\n", secs,
              services, daemon_kids0, daemon_kids1);
  std::printf("%-40s %16s %16s %10s %12s\n", "", "utime+stime", "schedstat run", "wakeups", "RSS/process");
  std::printf("%-40s %10.0f ms %13.3f ms %10lld %9.1f KB\n", "corrald", d_ticks_ms, d_run_ms, d1.wakeups - d0.wakeups,
              static_cast<double>(drss - rss0) / services);
  std::printf("%-40s %10.0f ms %13.3f ms %10lld %9.1f KB\n", "reference: fork/exec + blocking waitpid",
              ms_ticks(r0, r1), ms_run(r0, r1), r1.wakeups - r0.wakeups,
              static_cast<double>(hrss - holder_rss0) / services);
  std::printf("times on a CPU (schedstat) / involuntary switches: corrald %lld / %lld, reference %lld / %lld\n",
              d1.slices - d0.slices, d1.involuntary - d0.involuntary, r1.slices - r0.slices,
              r1.involuntary - r0.involuntary);
  // One machine-readable line for bench/run-all.sh: figure, corral, reference, unit.
  // A wakeup is a time on a CPU: whatever woke the daemon (timer, signal, fd) counts.
  std::printf("RESULT|idle|%lld|%lld|wakeups\n", d1.slices - d0.slices, r1.slices - r0.slices);
  std::printf("corrald RSS: %ld KB with %d services, %ld KB with none; open fds: %d\n", drss, services, rss0, dfds);
  const bool ok = pct_ticks < 0.1 && pct_run < 0.1 && daemon_kids1 >= services;
  char m[64];
  std::snprintf(m, sizeof m, "%.4f%% (run time %.4f%%)", pct_ticks, pct_run);
  std::printf("\n%-44s %-28s %s\n", "goal", "measured", "");
  std::printf("%-44s %-28s %s\n", "corrald CPU < 0.1% of the window", m, corral::bench::verdict(ok));
  return ok ? 0 : 1;
}
