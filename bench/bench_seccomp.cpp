// SPDX-License-Identifier: Apache-2.0
// What a syscall filter costs, against no filter in the same run.
// - Syscall-heavy loops (getppid, and pread of a small file) in a child process
//   under: no filter, a typical @system-service allow list (enforce, eperm), and
//   the same filter in learning mode (SECCOMP_RET_USER_NOTIF for calls outside
//   it; the calls measured are inside it, so nothing is notified). Goals: filter
//   < 1.05x, learning < 1.10x of no filter. A fourth variant, a one-instruction
//   filter that allows everything, is the kernel's floor: what any filter costs
//   a call (the seccomp path on syscall entry), whatever its program.
// - Launch time (corral::launch of /bin/true, clone to exec to reaped) with the
//   filter against without. Goal: < 1.2x. The program comes from the cache
//   (seccomp/filter_cache.hpp) after the first launch; its build time is shown apart.
// Variants are interleaved round by round so a change in machine load hits all
// of them alike; each figure is the median over the rounds.
// Usage: bench_seccomp [--rounds N] [--calls N] [--launches N]
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "corral/launch/launch.hpp"
#include "corral/seccomp/bpf_program.hpp"
#include "corral/seccomp/filter_spec.hpp"

namespace {

using corral::seccomp::FilterMode;

double now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

enum class Variant { None, Filter, Learn, AllowAll };
constexpr int kVariants = 4;
const char* const kVariantNames[] = {"no filter", "@system-service", "learning mode", "allow-all (floor)"};

// Runs the loop in a child under the variant's filter; returns ns per call.
double measure_in_child(Variant v, const corral::seccomp::BpfProgram& enforce,
                        const corral::seccomp::BpfProgram& learn, bool file_read, long calls) {
  int p[2];
  if (::pipe(p) != 0) std::exit(1);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    int fd = ::open("/proc/self/stat", O_RDONLY);  // before the filter: any small file
    // Every variant on the same CPU: a loop of 1 us calls moves by a few
    // percent between CPUs and between runs on this kind of machine.
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    ::sched_setaffinity(0, sizeof one, &one);
    if (v != Variant::None) {
      sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      sock_fprog fp{1, &allow};
      if (v != Variant::AllowAll) {
        const auto& prog = v == Variant::Filter ? enforce : learn;
        fp = {static_cast<unsigned short>(prog.instructions.size()), const_cast<sock_filter*>(prog.instructions.data())};
      }
      ::prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL);
      if (corral::seccomp::load_filter(fp, corral::seccomp::load_flags(v == Variant::Learn ? FilterMode::Learn
                                                                                            : FilterMode::Enforce)) < 0)
        ::_exit(3);
    }
    char buf[64];
    double t0 = now_ns();
    for (long i = 0; i < calls; ++i) {
      if (file_read) {
        if (::pread(fd, buf, sizeof buf, 0) <= 0) ::_exit(4);
      } else {
        ::syscall(SYS_getppid);
      }
    }
    double per = (now_ns() - t0) / static_cast<double>(calls);
    if (::write(p[1], &per, sizeof per) != sizeof per) ::_exit(5);
    ::_exit(0);
  }
  ::close(p[1]);
  double per = -1;
  if (::read(p[0], &per, sizeof per) != sizeof per) per = -1;
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (per < 0) {
    std::fprintf(stderr, "bench_seccomp: child for %s failed (status %d)\n", kVariantNames[static_cast<int>(v)], st);
    std::exit(1);
  }
  return per;
}

double launch_us(const corral::launch::LaunchSpec& spec) {
  double t0 = now_ns();
  auto l = corral::launch::launch(spec);
  if (!l) {
    std::fprintf(stderr, "bench_seccomp: %s\n", l.error().message.c_str());
    std::exit(1);
  }
  int st = 0;
  ::waitpid(l->pid, &st, 0);
  return (now_ns() - t0) / 1000.0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 21;
  long calls = 2000000;
  int launches = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--calls") calls = std::atol(argv[i + 1]);
    else if (a == "--launches") launches = std::atoi(argv[i + 1]);
  }
  auto spec = corral::seccomp::parse_filter({"@system-service"});
  if (!spec) return std::fprintf(stderr, "%s\n", spec.error().message.c_str()), 1;
  auto enforce = corral::seccomp::build_filter(*spec, {}, FilterMode::Enforce);
  auto learn = corral::seccomp::build_filter(*spec, {}, FilterMode::Learn);
  if (!enforce || !learn) return std::fprintf(stderr, "bench_seccomp: cannot build the filter\n"), 1;
  std::printf("filter: @system-service, %zu BPF instructions; %d rounds of %ld calls\n",
              enforce->instructions.size(), rounds, calls);

  for (bool file_read : {false, true}) {
    std::vector<double> ns[kVariants];
    for (int r = 0; r < rounds; ++r)
      for (int v = 0; v < kVariants; ++v)
        ns[v].push_back(measure_in_child(static_cast<Variant>(v), *enforce, *learn, file_read, calls));
    double base = median(ns[0]);
    double floor = median(ns[static_cast<int>(Variant::AllowAll)]);
    std::printf("\n%s loop:\n", file_read ? "pread (small file)" : "getppid");
    for (int v = 0; v < kVariants; ++v)
      std::printf("  %-18s %8.1f ns/call  %.3fx   %.3fx of the floor\n", kVariantNames[v], median(ns[v]),
                  median(ns[v]) / base, median(ns[v]) / floor);
  }

  corral::launch::LaunchSpec plain;
  plain.argv = {"/bin/true"};
  plain.env = {{"PATH", "/usr/bin:/bin"}};
  corral::launch::LaunchSpec filtered = plain;
  filtered.syscall_filter = corral::seccomp::FilterConfig{*spec, {}, FilterMode::Enforce};
  std::vector<double> t_plain, t_filtered;
  for (int i = 0; i < launches; ++i) {
    t_plain.push_back(launch_us(plain));
    t_filtered.push_back(launch_us(filtered));
  }
  std::printf("\nlaunch of /bin/true (fork, setup, exec, exit, reaped), median of %d:\n", launches);
  std::printf("  %-16s %8.1f us\n", "no filter", median(t_plain));
  std::printf("  %-16s %8.1f us  %.3fx (program built once per filter setting, cached)\n", "@system-service",
              median(t_filtered), median(t_filtered) / median(t_plain));
  // What the cache saves: one libseccomp build and export, as every launch paid before.
  std::vector<double> t_build;
  for (int i = 0; i < 9; ++i) {
    double t0 = now_ns();
    auto p = corral::seccomp::build_filter(*spec, {}, FilterMode::Enforce);
    t_build.push_back((now_ns() - t0) / 1000.0);
    if (!p) return std::fprintf(stderr, "bench_seccomp: cannot build the filter\n"), 1;
  }
  std::printf("  %-16s %8.1f us  (one build of the program, paid at the first launch only)\n", "build_filter",
              median(t_build));
  return 0;
}
