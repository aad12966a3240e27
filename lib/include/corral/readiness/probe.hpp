// SPDX-License-Identifier: Apache-2.0
// Probes: how corrald finds out that a service is ready (ready_probe) or still
// healthy (health_probe). A probe is an exec (exit 0 = pass), a TCP connect, or
// an HTTP/1.0 GET answered 2xx. This header is the static description and the
// pure state machine that turns a stream of results into a verdict; running a
// probe is the daemon's job (daemon/readiness/).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::readiness {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::nanoseconds;

enum class ProbeKind : std::uint8_t { Exec, Tcp, Http };
std::string_view probe_kind_name(ProbeKind k);

struct ProbeSpec {
  ProbeKind kind = ProbeKind::Tcp;
  std::vector<std::string> exec;  // Exec: argv
  std::string host;               // Tcp/Http: a numeric IPv4/IPv6 address or "localhost"
  std::uint16_t port = 0;
  std::string path = "/";         // Http: the request path
  Duration interval = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(1);
  Duration initial_delay{0};
  unsigned success_threshold = 1;  // passes in a row to count as passing
  unsigned failure_threshold = 3;  // failures in a row to count as failing

  bool operator==(const ProbeSpec&) const = default;
  std::string target() const;      // "tcp 127.0.0.1:80", "http http://h:80/x", "exec /bin/check"
};

// "HOST:PORT", "[::1]:8080". Port 1..65535.
Result<ProbeSpec> parse_tcp_target(std::string_view text);
// "http://HOST:PORT/PATH" (port defaults to 80, path to "/"). No https, no user info.
Result<ProbeSpec> parse_http_url(std::string_view text);
// The status code of an HTTP/1.x status line ("HTTP/1.0 204 No Content"), or -1.
int http_status_code(std::string_view response_head);

enum class ProbeVerdict : std::uint8_t { Unknown, Passing, Failing };
std::string_view verdict_name(ProbeVerdict v);

struct ProbeResult {
  std::int64_t wall_time_ms = 0;  // Unix time, for `show`
  bool ok = false;
  std::string detail;             // "connected", "HTTP 503", "exit code 1", "timed out after 1s"
  Duration took{0};
};

// success_threshold passes in a row make the verdict Passing; failure_threshold
// failures in a row make it Failing; anything in between keeps the last verdict.
// The next probe is due `interval` after the previous one began (initial_delay
// after restart()). A fake clock drives it in tests.
class ProbeTracker {
 public:
  static constexpr std::size_t kHistory = 10;

  explicit ProbeTracker(ProbeSpec spec = {}) : spec_(std::move(spec)) {}

  void restart(TimePoint started);         // the service (re)started: verdict Unknown
  TimePoint next_due() const { return next_due_; }
  void began(TimePoint now);               // a probe started now; the next one is due after interval
  // Returns true when the verdict changed.
  bool record(TimePoint now, std::int64_t wall_time_ms, bool ok, std::string detail);

  ProbeVerdict verdict() const { return verdict_; }
  unsigned passes_in_a_row() const { return passes_; }
  unsigned failures_in_a_row() const { return failures_; }
  const std::deque<ProbeResult>& history() const { return history_; }  // newest first
  const ProbeSpec& spec() const { return spec_; }

 private:
  ProbeSpec spec_;
  ProbeVerdict verdict_ = ProbeVerdict::Unknown;
  unsigned passes_ = 0, failures_ = 0;
  TimePoint next_due_{};
  TimePoint began_{};
  std::deque<ProbeResult> history_;
};

}  // namespace corral::readiness
