// SPDX-License-Identifier: Apache-2.0
// The job queue's figures against a running corrald (bench/jobs.sh starts it):
//   --overhead N: N jobs submitted to a paused queue (they stay queued), each
//     `submit` timed over the socket, then `jobs --json` with N jobs queued. The
//     reference in the same run, interleaved, is the bare `version` request (the
//     floor of any request: connect, one line each way). Goals: submit < 5 ms,
//     jobs --json < 50 ms (medians).
//   --preempt S: two CPU-bound jobs (each `corralctl schedule burn S`) on a 1-slot
//     FCFS queue (one after the other: the reference) and on a 1-slot RR queue with
//     a 10 ms quantum; the makespan from the first arrival to the last end. Goal:
//     RR loses < 5% against one after the other.
//
// Usage: bench_jobs_queue --socket PATH --corralctl PATH (--overhead N | --preempt S) [--rounds R]
// Exit: 0 the goal is met, 1 missed, 2 the measurement itself failed.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
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

// One request on a new connection (as corralctl does); the reply's data.
json request(const Request& req, double* ms = nullptr) {
  const std::int64_t t0 = mono_ns();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, g_socket.c_str(), sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect " + g_socket);
  std::string line = corral::protocol::encode(req);
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) die("send");
  std::string in;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) die("no reply");
    in.append(buf, static_cast<std::size_t>(n));
    if (in.back() == '\n') break;
  }
  ::close(fd);
  in.pop_back();
  auto r = corral::protocol::decode_response(in);
  if (ms) *ms = static_cast<double>(mono_ns() - t0) / 1e6;
  if (!r) die(r.error().message);
  if (!r->ok) die(std::string(corral::protocol::command_name(req.command)) + ": " + r->error);
  return r->data;
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

int overhead(int n, int rounds) {
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
  std::vector<double> listing, lref;
  for (int r = 0; r < rounds; ++r) {
    Request l;
    l.command = Command::Jobs;
    l.args = json{{"queue", "bench"}};
    double ms = 0;
    json d = request(l, &ms);
    if (d.size() < static_cast<std::size_t>(n)) die("jobs --json listed " + std::to_string(d.size()) + " jobs");
    listing.push_back(ms);
    lref.push_back(version_ms());
  }
  cancel(ids);
  corral::bench::print_loadavg("after");
  const double s50 = percentile(submit, 50), l50 = percentile(listing, 50);
  std::printf("%-34s %10s %10s %10s\n", "", "p50 ms", "p99 ms", "goal");
  std::printf("%-34s %10.3f %10.3f %10s\n", "version (reference)", percentile(ref, 50), percentile(ref, 99), "");
  std::printf("%-34s %10.3f %10.3f %10s %s\n", ("submit (up to " + std::to_string(n) + " queued)").c_str(), s50,
              percentile(submit, 99), "< 5", corral::bench::verdict(s50 < 5));
  std::printf("%-34s %10.3f %10.3f %10s %s\n", ("jobs --json (" + std::to_string(n) + " jobs)").c_str(), l50,
              percentile(listing, 99), "< 50", corral::bench::verdict(l50 < 50));
  std::printf("ratios to the reference: submit %.1fx, jobs --json %.1fx\n", s50 / percentile(ref, 50),
              l50 / percentile(lref, 50));
  return s50 < 5 && l50 < 50 ? 0 : 1;
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
  if (n > 0) return overhead(n, rounds);
  if (corralctl.empty()) die("--preempt needs --corralctl");
  return preempt(corralctl, burn, rounds);
}
