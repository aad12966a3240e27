// SPDX-License-Identifier: Apache-2.0
// The job queue's figures against a running corrald (bench/jobs.sh starts it):
//   --overhead N: N jobs submitted to a paused queue (they stay queued), each
//     `submit` timed over the socket (goal < 5 ms, median). Then the listing with
//     N jobs queued, timed as the user waits for it, two ways:
//       (a) the `jobs` request on a new connection, timed to the last byte of the
//           reply (nothing parsed): corrald's part plus the transfer; reference
//           in the same run, interleaved, the bare `version` request (the floor of
//           any request: connect, one line each way);
//       (b) the real command `corralctl --socket S --json jobs --queue bench`, run
//           as a child (posix_spawn, stdout to /dev/null) and timed to its exit:
//           what the user waits for. Goal: < 50 ms (median). Reference, interleaved,
//           the same command on the queue `idle`, which stays empty (exec, connect,
//           one `jobs` request, a reply of no jobs; corralctl has no `version`
//           command that asks corrald).
//   --preempt S: two CPU-bound jobs (each `corralctl schedule burn S`) on a 1-slot
//     FCFS queue (one after the other: the reference) and on a 1-slot RR queue with
//     a 10 ms quantum; the makespan from the first arrival to the last end. Goal:
//     RR loses < 5% against one after the other.
//
// Usage: bench_jobs_queue --socket PATH --corralctl PATH (--overhead N | --preempt S) [--rounds R]
// Exit: 0 the goal is met, 1 missed, 2 the measurement itself failed.
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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
using corral::bench::percentile;
using nlohmann::json;
using corral::protocol::Command;
using corral::protocol::Request;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_jobs_queue: %s\n", what.c_str());
  std::exit(2);
}

std::string g_socket;

// One request on a new connection (as corralctl does): the reply line as sent
// (without '\n'), not decoded; *ms from connect to the reply's last byte.
std::string request_line(const Request& req, double* ms = nullptr) {
  const std::int64_t t0 = mono_ns();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, g_socket.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect " + g_socket);
  std::string line = corral::protocol::encode(req);
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) die("send");
  std::string in;
  std::size_t searched = 0;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) die("no reply");
    in.append(buf, static_cast<std::size_t>(n));
    if (in.find('\n', searched) != std::string::npos) break;
    searched = in.size();
  }
  if (ms) *ms = static_cast<double>(mono_ns() - t0) / 1e6;
  ::close(fd);
  if (in.back() != '\n') die("more than one line in reply");
  in.pop_back();
  return in;
}

// One request; the reply's data. *ms includes decoding the reply.
json request(const Request& req, double* ms = nullptr) {
  const std::int64_t t0 = mono_ns();
  std::string in = request_line(req);
  auto r = corral::protocol::decode_response(in);
  if (ms) *ms = static_cast<double>(mono_ns() - t0) / 1e6;
  if (!r) die(r.error().message);
  if (!r->ok) die(std::string(corral::protocol::command_name(req.command)) + ": " + r->error);
  return r->data;
}

// argv run as a child with stdout to `out` (a path), timed from spawn to exit;
// a child that fails fails the measurement.
double run_child_ms(const std::vector<std::string>& argv, const char* out = "/dev/null") {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const std::int64_t t0 = mono_ns();
  pid_t pid = 0;
  int err = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) die("spawn " + argv[0] + ": " + std::strerror(err));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die("waitpid");
  const double ms = static_cast<double>(mono_ns() - t0) / 1e6;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    die(cmd + ": exit status " + std::to_string(status));
  }
  return ms;
}

// How many jobs a `jobs` reply line lists, without parsing it: each job object
// begins with its first key, "arrival_ns".
std::size_t jobs_in_line(const std::string& line) {
  if (line.rfind("{\"data\":[", 0) != 0) die("jobs: not a success reply: " + line.substr(0, 200));
  std::size_t count = 0;
  for (std::size_t at = line.find("{\"arrival_ns\":"); at != std::string::npos; at = line.find("{\"arrival_ns\":", at + 1))
    ++count;
  return count;
}

double version_ms() {
  Request v;
  v.command = Command::Version;
  double ms = 0;
  (void)request(v, &ms);
  return ms;
}

void cancel(const std::vector<std::string>& ids) {
  for (std::size_t i = 0; i < ids.size(); i += 1000) {
    Request c;
    c.command = Command::JobCancel;
    c.names.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                   ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + 1000)));
    (void)request(c);
  }
}

int overhead(const std::string& corralctl, int n, int rounds) {
  Request p;
  p.command = Command::QueuePause;
  p.names = {"bench"};
  (void)request(p);
  std::vector<double> submit, ref;
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    Request s;
    s.command = Command::Submit;
    s.argv = {"true"};
    s.args = json{{"queue", "bench"}, {"cwd", "/"}};
    double ms = 0;
    json d = request(s, &ms);
    submit.push_back(ms);
    ids.push_back(std::to_string(d.value("id", 0ULL)));
    if (i % 50 == 0) ref.push_back(version_ms());
  }
  // The listing checked once, fully, outside the timing: the reply decodes and
  // lists every job, and corralctl prints them all.
  Request l;
  l.command = Command::Jobs;
  l.args = json{{"queue", "bench"}};
  if (json d = request(l); d.size() < static_cast<std::size_t>(n))
    die("jobs listed " + std::to_string(d.size()) + " jobs");
  const std::vector<std::string> list_cmd{corralctl, "--socket", g_socket, "--json", "jobs", "--queue", "bench"};
  const std::vector<std::string> empty_cmd{corralctl, "--socket", g_socket, "--json", "jobs", "--queue", "idle"};
  {
    char path[] = "/tmp/bench_jobs_listing.XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0) die("mkstemp");
    ::close(fd);
    run_child_ms(list_cmd, path);
    std::FILE* f = std::fopen(path, "r");
    json printed = f ? json::parse(f, nullptr, false) : json();
    if (f) std::fclose(f);
    ::unlink(path);
    if (!printed.is_array() || printed.size() < static_cast<std::size_t>(n))
      die("corralctl --json jobs did not print the " + std::to_string(n) + " jobs");
  }
  std::vector<double> listing, lref, command, cref;
  for (int r = 0; r < rounds; ++r) {
    double ms = 0;
    std::string line = request_line(l, &ms);
    if (jobs_in_line(line) < static_cast<std::size_t>(n)) die("jobs listed fewer than " + std::to_string(n) + " jobs");
    listing.push_back(ms);
    lref.push_back(version_ms());
    command.push_back(run_child_ms(list_cmd));
    cref.push_back(run_child_ms(empty_cmd));
  }
  cancel(ids);
  corral::bench::print_loadavg("after");
  const double s50 = percentile(submit, 50), l50 = percentile(listing, 50), c50 = percentile(command, 50);
  const std::string jobs = " (" + std::to_string(n) + " jobs)";
  std::printf("%-44s %10s %10s %10s\n", "", "p50 ms", "p99 ms", "goal");
  std::printf("%-44s %10.3f %10.3f\n", "version request (reference)", percentile(ref, 50), percentile(ref, 99));
  std::printf("%-44s %10.3f %10.3f %10s %s\n", ("submit (up to " + std::to_string(n) + " queued)").c_str(), s50,
              percentile(submit, 99), "< 5", corral::bench::verdict(s50 < 5));
  std::printf("%-44s %10.3f %10.3f\n", "version request (reference, listing rounds)", percentile(lref, 50),
              percentile(lref, 99));
  std::printf("%-44s %10.3f %10.3f\n", ("(a) jobs request, to last byte" + jobs).c_str(), l50, percentile(listing, 99));
  std::printf("%-44s %10.3f %10.3f\n", "corralctl --json jobs, 0 jobs (reference)", percentile(cref, 50),
              percentile(cref, 99));
  std::printf("%-44s %10.3f %10.3f %10s %s\n", ("(b) corralctl --json jobs" + jobs).c_str(), c50,
              percentile(command, 99), "< 50", corral::bench::verdict(c50 < 50));
  std::printf("ratios to the reference: submit %.1fx, (a) jobs request %.1fx, (b) corralctl --json jobs %.1fx\n",
              s50 / percentile(ref, 50), l50 / percentile(lref, 50), c50 / percentile(cref, 50));
  return s50 < 5 && c50 < 50 ? 0 : 1;
}

// Makespan in seconds of two burns of `seconds` submitted together to `queue`.
double makespan(const std::string& corralctl, const std::string& queue, double seconds) {
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    Request s;
    s.command = Command::Submit;
    s.argv = {corralctl, "schedule", "burn", std::to_string(seconds)};
    s.args = json{{"queue", queue}, {"cwd", "/"}};
    ids.push_back(std::to_string(request(s).value("id", 0ULL)));
  }
  Request w;
  w.command = Command::JobWait;
  w.names = ids;
  json done = request(w);
  std::int64_t first = INT64_MAX, last = 0;
  for (const auto& j : done) {
    if (j.value("exit_status", -1) != 0) die("a burn job failed: " + j.dump());
    first = std::min<std::int64_t>(first, j.value("arrival_ns", 0LL));
    last = std::max<std::int64_t>(last, j.value("finish_ns", 0LL));
  }
  return static_cast<double>(last - first) / 1e9;
}

int preempt(const std::string& corralctl, double seconds, int rounds) {
  std::vector<double> seq, rr;
  for (int r = 0; r < rounds; ++r) {
    seq.push_back(makespan(corralctl, "seq", seconds));
    rr.push_back(makespan(corralctl, "rr10", seconds));
  }
  corral::bench::print_loadavg("after");
  const double s = percentile(seq, 50), q = percentile(rr, 50);
  const double lost = (q - s) / s * 100;
  std::printf("two jobs of %.2f s CPU, median of %d rounds:\n", seconds, rounds);
  std::printf("  one after the other (fcfs, reference): %.3f s\n", s);
  std::printf("  rr, 10 ms quantum:                     %.3f s\n", q);
  std::printf("  throughput lost to preemption: %.2f%% (goal < 5%%) %s\n", lost, corral::bench::verdict(lost < 5));
  return lost < 5 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corralctl;
  int n = 0, rounds = 5;
  double burn = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--socket") g_socket = v;
    else if (k == "--corralctl") corralctl = v;
    else if (k == "--overhead") n = std::atoi(v.c_str());
    else if (k == "--preempt") burn = std::atof(v.c_str());
    else if (k == "--rounds") rounds = std::atoi(v.c_str());
    else die("unknown option " + k);
  }
  if (g_socket.empty() || (n <= 0 && burn <= 0) || rounds < 1) die("usage: --socket PATH --corralctl PATH (--overhead N | --preempt S) [--rounds R]");
  corral::bench::print_loadavg("before");
  if (corralctl.empty()) die("--overhead and --preempt need --corralctl");
  if (n > 0) return overhead(corralctl, n, rounds);
  return preempt(corralctl, burn, rounds);
}
