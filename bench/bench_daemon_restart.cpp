// SPDX-License-Identifier: Apache-2.0
// Crash-to-restart latency: corrald against a minimal fork/exec/waitpid loop.
//
// Both sides restart the same program, corral-test-stamp, which writes its
// CLOCK_MONOTONIC start time (taken first thing in main) and its pid to a FIFO.
// Per iteration the driver lets both processes run for --settle-ms (longer than
// the service's start_secs, so the daemon counts the run as good), then for each
// side: t0 = now, kill(pid, SIGKILL), read the next record; latency = t1 - t0.
//   reference: the driver itself kills, waitpid()s, forks and execs again (the
//              goal's reference); two more variants are shown to explain the
//              gap: the same with setsid() in the child, and corral::launch()
//              with corrald's settings but no daemon.
//   daemon:    corrald notices the death and restarts the service.
// The sides rotate which goes first, so load drifts hit them alike. Each record
// also carries the new process's wait for a CPU between fork and main.
// bench/daemon_restart.sh creates the FIFOs, starts corrald and runs this.
//
// Usage: bench_daemon_restart --helper PATH --ref-fifo PATH --daemon-fifo PATH
//                             [--iterations N] [--settle-ms MS] [--corrald-pid PID]
// Exit: 0 all goals met, 1 a goal missed, 2 the measurement itself failed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_daemon_stats.hpp"
#include "corral/launch/launch.hpp"

namespace {

using corral::bench::mono_ns;

struct Record {
  pid_t pid = 0;
  std::int64_t t_ns = 0;
  std::int64_t run_delay_ns = 0;  // the new process's wait for a CPU, fork to main
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_daemon_restart: %s\n", what.c_str());
  std::exit(2);
}

// The next record from the FIFO, waiting at most timeout_ms (the machine is loaded).
Record read_record(int fd, int timeout_ms, const char* side) {
  std::int64_t rec[4];
  std::size_t got = 0;
  const std::int64_t deadline = mono_ns() + std::int64_t{timeout_ms} * 1000000;
  while (got < sizeof rec) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>((deadline - mono_ns()) / 1000000);
    if (left <= 0) die(std::string(side) + ": no start record within " + std::to_string(timeout_ms) + " ms");
    int r = ::poll(&p, 1, left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die(std::string("poll: ") + std::strerror(errno));
    if (r == 0) continue;
    ssize_t n = ::read(fd, reinterpret_cast<char*>(rec) + got, sizeof rec - got);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) die(std::string(side) + ": read FIFO: " + (n == 0 ? "end of file" : std::strerror(errno)));
    got += static_cast<std::size_t>(n);
  }
  return Record{static_cast<pid_t>(rec[0]), rec[1] * 1000000000 + rec[2], rec[3]};
}

int open_fifo(const std::string& path) {
  // O_RDWR: the open does not wait for a writer, and there is never an end of
  // file between one instance's death and the next one's open.
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) die("open " + path + ": " + std::strerror(errno));
  return fd;
}

// How a reference restarts the program: a bare fork+exec, the same with setsid()
// in the child, or corral::launch::launch() with the settings corrald uses
// (new session, parent-death signal, stdio redirected, clean environment; it
// returns once the exec has happened), i.e. the daemon's launcher without the daemon.
enum Variant { kPlain = 0, kSetsid = 1, kLauncher = 2, kVariants = 3 };

pid_t spawn(const std::string& helper, const std::string& fifo, int variant) {
  if (variant == kLauncher) {
    corral::launch::LaunchSpec ls;
    ls.argv = {helper, fifo};
    ls.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"CORRAL_SERVICE", "stamp"}, {"CORRAL_INSTANCE", "0"}};
    ls.stdin_target = corral::launch::StdioTarget::null();
    ls.stdout_target = corral::launch::StdioTarget::null();
    ls.stderr_target = corral::launch::StdioTarget::null();
    ls.new_session = true;
    ls.parent_death_signal = SIGTERM;
    auto r = corral::launch::launch(ls);
    if (!r) die("launch: " + r.error().message);
    return r->pid;  // its pidfd closes here; we reap by pid
  }
  pid_t pid = ::fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (variant == kSetsid) ::setsid();
    char* const argv[] = {const_cast<char*>(helper.c_str()), const_cast<char*>(fifo.c_str()), nullptr};
    ::execv(helper.c_str(), argv);
    ::_exit(127);
  }
  return pid;
}

// Time the process has waited for a CPU (ns, /proc/PID/schedstat), 0 if unknown.
std::int64_t run_delay_of(pid_t pid) {
  if (pid <= 0) return 0;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/schedstat").c_str(), "r");
  if (!f) return 0;
  long long run = 0, wait = 0;
  if (std::fscanf(f, "%lld %lld", &run, &wait) != 2) wait = 0;
  std::fclose(f);
  return wait;
}

void sleep_ms(int ms) {
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// The reference processes, one per Variant.
pid_t g_ref_pid[kVariants] = {0, 0, 0};

void kill_reference() {
  for (pid_t& pid : g_ref_pid) {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      pid = 0;
    }
  }
}

// SIGTERM/SIGINT (the script's cleanup, Ctrl-C): end the references, then exit.
// kill() and waitpid() are async-signal-safe.
void on_signal(int sig) {
  kill_reference();
  ::_exit(128 + sig);
}

}  // namespace

int main(int argc, char** argv) {
  std::string helper, ref_fifo, daemon_fifo;
  int iterations = 200, settle_ms = 250;
  pid_t corrald_pid = 0;  // optional: report corrald's own CPU wait per restart
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--helper") helper = value();
    else if (a == "--ref-fifo") ref_fifo = value();
    else if (a == "--daemon-fifo") daemon_fifo = value();
    else if (a == "--iterations") iterations = std::atoi(value().c_str());
    else if (a == "--settle-ms") settle_ms = std::atoi(value().c_str());
    else if (a == "--corrald-pid") corrald_pid = std::atoi(value().c_str());
    else die("unknown option " + a);
  }
  if (helper.empty() || ref_fifo.empty() || daemon_fifo.empty() || iterations < 1 || settle_ms < 0)
    die("usage: --helper PATH --ref-fifo PATH --daemon-fifo PATH [--iterations N>0] [--settle-ms MS]");
  std::atexit(kill_reference);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::signal(sig, on_signal);

  int ref_fd = open_fifo(ref_fifo), daemon_fd = open_fifo(daemon_fifo);
  // The daemon started its instance before we opened the FIFO: it waited in open().
  pid_t daemon_pid = read_record(daemon_fd, 30000, "daemon").pid;
  for (int k = 0; k < kVariants; ++k) {
    g_ref_pid[k] = spawn(helper, ref_fifo, k);
    if (read_record(ref_fd, 30000, "reference").pid != g_ref_pid[k]) die("reference: record from an unexpected pid");
  }

  std::vector<double> ref_us[kVariants], daemon_us;
  // kill() to the victim's death: the victim has to run to exit, so a process
  // that waits long for a CPU is slow to die.
  std::vector<double> ref_dead[kVariants], daemon_dead;
  std::vector<double> ref_wait[kVariants], daemon_wait;  // the child's CPU wait, us
  // One FIFO serves both references: only the process just started writes to it.
  auto run_reference = [&](int k) {
    const std::int64_t t0 = mono_ns();
    ::kill(g_ref_pid[k], SIGKILL);
    ::waitpid(g_ref_pid[k], nullptr, 0);
    ref_dead[k].push_back(static_cast<double>(mono_ns() - t0) / 1000.0);
    g_ref_pid[k] = spawn(helper, ref_fifo, k);
    Record r = read_record(ref_fd, 30000, "reference");
    if (r.pid != g_ref_pid[k]) die("reference: record from an unexpected pid");
    ref_us[k].push_back(static_cast<double>(r.t_ns - t0) / 1000.0);
    ref_wait[k].push_back(static_cast<double>(r.run_delay_ns) / 1000.0);
  };
  auto run_daemon = [&] {
    // Watch the victim's death through a pidfd (we are not its parent).
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, daemon_pid, 0U));
    const std::int64_t t0 = mono_ns();
    ::kill(daemon_pid, SIGKILL);
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, 30000);
      daemon_dead.push_back(static_cast<double>(mono_ns() - t0) / 1000.0);
      ::close(pidfd);
    }
    Record r = read_record(daemon_fd, 30000, "daemon");
    if (r.pid == daemon_pid) die("daemon: the killed instance wrote again");
    daemon_pid = r.pid;
    daemon_us.push_back(static_cast<double>(r.t_ns - t0) / 1000.0);
    daemon_wait.push_back(static_cast<double>(r.run_delay_ns) / 1000.0);
  };

  corral::bench::print_loadavg("before");
  const std::int64_t corrald_wait0 = run_delay_of(corrald_pid);
  for (int i = 0; i < iterations; ++i) {
    sleep_ms(settle_ms);  // both have been up at least this long
    // Rotate the order so that no side always goes first.
    for (int j = 0; j <= kVariants; ++j) {
      int side = (i + j) % (kVariants + 1);
      if (side == kVariants) run_daemon();
      else run_reference(side);
    }
  }
  corral::bench::print_loadavg("after");
  const std::int64_t corrald_wait1 = run_delay_of(corrald_pid);
  kill_reference();

  using corral::bench::percentile;
  const double rm = percentile(ref_us[kPlain], 50), r90 = percentile(ref_us[kPlain], 90);
  const double dm = percentile(daemon_us, 50), d90 = percentile(daemon_us, 90);
  const double ratio = rm > 0 ? dm / rm : 0;
  std::printf("\ncrash-to-restart latency, %d iterations, SIGKILL after >= %d ms of uptime\n", iterations, settle_ms);
  std::printf("%-34s %10s %10s %10s %12s %12s\n", "", "median", "p90", "max", "to death", "child wait");
  auto row = [&](const char* what, const std::vector<double>& v, const std::vector<double>& dead,
                 const std::vector<double>& w) {
    std::printf("%-34s %7.1f us %7.1f us %7.1f us %9.1f us %9.1f us\n", what, percentile(v, 50), percentile(v, 90),
                percentile(v, 100), percentile(dead, 50), percentile(w, 50));
  };
  row("reference fork/exec/waitpid loop", ref_us[kPlain], ref_dead[kPlain], ref_wait[kPlain]);
  row("  info: the same + setsid()", ref_us[kSetsid], ref_dead[kSetsid], ref_wait[kSetsid]);
  row("  info: corral::launch, no daemon", ref_us[kLauncher], ref_dead[kLauncher], ref_wait[kLauncher]);
  row("corrald restart", daemon_us, daemon_dead, daemon_wait);
  std::printf("%-34s %10.2f %10.2f\n", "ratio corrald / reference", ratio, r90 > 0 ? d90 / r90 : 0);
  const double sm = percentile(ref_us[kSetsid], 50), s90 = percentile(ref_us[kSetsid], 90);
  std::printf("%-34s %10.2f %10.2f   (info)\n", "ratio corrald / setsid reference", sm > 0 ? dm / sm : 0,
              s90 > 0 ? d90 / s90 : 0);
  if (corrald_pid > 0)
    std::printf("corrald's own CPU wait (run queue), mean per restart: %.1f us\n",
                static_cast<double>(corrald_wait1 - corrald_wait0) / 1000.0 / iterations);
  std::printf("(to death: median from kill() until the victim was dead; child wait: median time the new process\n"
              " waited for a CPU between fork and main, from its schedstat)\n");
  const bool ok_ratio = ratio <= 1.5, ok_abs = dm < 1000;
  // One machine-readable line for bench/run-all.sh: figure, corral, reference, unit.
  std::printf("RESULT|restart|%.1f|%.1f|us\n", dm, rm);
  std::printf("\n%-44s %-14s %s\n", "goal", "measured", "");
  std::printf("%-44s %-14s %s\n", "median ratio corrald/reference <= 1.5", (std::to_string(ratio).substr(0, 5) + "x").c_str(),
              corral::bench::verdict(ok_ratio));
  std::printf("%-44s %-14s %s\n", "corrald median < 1 ms", (std::to_string(dm / 1000).substr(0, 5) + " ms").c_str(),
              corral::bench::verdict(ok_abs));
  return ok_ratio && ok_abs ? 0 : 1;
}
