// SPDX-License-Identifier: Apache-2.0
#include "state_writer.hpp"

#include <unistd.h>

#include <chrono>

#include "../daemon_log.hpp"
#include "corral/persist/fingerprint.hpp"
#include "corral/persist/state_file.hpp"

namespace corral::daemon {

namespace {
// Changes within this window share one write (a restart storm of 50 services
// is one fsync, not 150).
constexpr auto kCoalesce = std::chrono::milliseconds(20);
}  // namespace

StateWriter::StateWriter(EventLoop& loop, Supervisor& sup, EventBus& events, std::string dir, Hooks hooks)
    : loop_(loop), sup_(sup), events_(events), dir_(std::move(dir)), hooks_(std::move(hooks)) {
  boot_id_hash_ = persist::current_boot_id_hash();
  sub_ = events_.subscribe([this](const DaemonEvent& e) { on_event(e); });
}

StateWriter::~StateWriter() {
  events_.unsubscribe(sub_);
  if (timer_) loop_.cancel_timer(timer_);
}

void StateWriter::on_event(const DaemonEvent& e) {
  if (e.kind == DaemonEvent::Kind::Daemon && e.reason == "stopping") {
    frozen_ = true;
    if (timer_) loop_.cancel_timer(timer_);
    timer_ = 0;
    return;
  }
  schedule();
}

void StateWriter::schedule() {
  if (frozen_ || timer_) return;
  timer_ = loop_.add_timer(std::chrono::steady_clock::now() + kCoalesce, [this] {
    timer_ = 0;
    write_now();
  });
}

persist::ServiceRecord StateWriter::record_of(const Service& s) {
  using supervise::State;
  persist::ServiceRecord r;
  r.name = s.spec.name();
  const State st = s.machine.state();
  r.state = std::string(supervise::state_name(st));
  if (hooks_.suspended && hooks_.suspended(r.name)) r.intent = persist::Intent::Suspended;
  else if (st == State::Stopped || (st == State::Stopping && !s.machine.start_queued()))
    r.intent = persist::Intent::StoppedByHand;
  else r.intent = persist::Intent::Started;
  r.pid = s.pid;
  if (s.pid > 0) {
    auto it = start_times_.find(s.pid);
    if (it == start_times_.end()) {
      auto id = persist::read_identity(s.pid);
      it = start_times_.emplace(s.pid, id ? id->start_time : 0).first;
    }
    r.start_time = it->second;
    r.pgid = s.pid;  // every service leads its own session and process group
  }
  if (hooks_.cgroup_of) r.cgroup = hooks_.cgroup_of(s);
  r.restarts = s.machine.restarts();
  r.failures = s.machine.consecutive_failures();
  // Steady times do not survive a reboot or a new process: store wall times.
  const auto steady_now = supervise::Clock::now();
  const std::int64_t wall_now = wall_ms_now();
  for (auto t : s.machine.recent_starts())
    r.recent_starts_ms.push_back(wall_now - std::chrono::duration_cast<std::chrono::milliseconds>(steady_now - t).count());
  for (const auto& h : s.machine.history()) {
    persist::ExitEntry e;
    e.wall_time_ms = h.info.wall_time_ms;
    e.code = h.info.code;
    e.signal = h.info.signal;
    e.core_dumped = h.info.core_dumped;
    e.launch_failed = h.info.launch_failed;
    e.description = h.info.description;
    e.run_time_ms = h.run_time.count();
    r.history.push_back(std::move(e));
  }
  // What the process runs with, not a reload's pending next_spec: a crash in the
  // middle of a reload must still restart it with the new config.
  r.config_hash = persist::config_fingerprint(s.spec.cfg);
  r.transient = s.spec.transient;
  return r;
}

persist::DaemonState StateWriter::snapshot() {
  persist::DaemonState st;
  st.written_ms = wall_ms_now();
  st.daemon_pid = ::getpid();
  st.boot_id_hash = boot_id_hash_;
  std::map<pid_t, std::uint64_t> live;
  for (const auto& [name, s] : sup_.services()) {
    st.services.push_back(record_of(*s));
    if (s->pid > 0) live[s->pid] = start_times_[s->pid];
  }
  start_times_ = std::move(live);  // forget the processes that are gone
  return st;
}

void StateWriter::write_now() {
  if (frozen_) return;
  Status st = persist::write_state_file(dir_, snapshot());
  ++writes_;
  if (!st) {
    if (!error_reported_) log_line("state file: %s (services run on; adoption after a crash may miss them)",
                                   st.error().message.c_str());
    error_reported_ = true;
  } else {
    error_reported_ = false;
  }
}

void StateWriter::flush() {
  if (frozen_ || (timer_ == 0 && writes_ > 0 && !error_reported_)) return;
  if (timer_) loop_.cancel_timer(timer_);
  timer_ = 0;
  write_now();
}

void StateWriter::finish_clean() {
  frozen_ = true;
  if (timer_) loop_.cancel_timer(timer_);
  timer_ = 0;
  if (Status st = persist::remove_state_file(dir_); !st) log_line("state file: %s", st.error().message.c_str());
}

}  // namespace corral::daemon
