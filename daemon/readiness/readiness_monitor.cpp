// SPDX-License-Identifier: Apache-2.0
#include "readiness_monitor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "../daemon_log.hpp"
#include "../signal_text.hpp"
#include "corral/base/file_read.hpp"
#include "corral/config/units.hpp"
#include "corral/readiness/notify_message.hpp"

namespace corral::daemon::readiness {

using corral::readiness::ProbeVerdict;
using supervise::Event;
using supervise::State;

namespace {

// Process group and session of pid from /proc/PID/stat ("pid (comm) S ppid pgrp session ...").
bool group_and_session(pid_t pid, pid_t& pgrp, pid_t& session) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return false;
  auto close = text->rfind(')');
  if (close == std::string::npos) return false;
  char state = 0;
  int ppid = 0, pg = 0, sid = 0;
  if (std::sscanf(text->c_str() + close + 1, " %c %d %d %d", &state, &ppid, &pg, &sid) != 4) return false;
  pgrp = pg;
  session = sid;
  return true;
}

bool alive_state(State s) { return s == State::Starting || s == State::Running || s == State::Unhealthy; }

}  // namespace

ReadinessMonitor::ReadinessMonitor(EventLoop& loop, Supervisor& sup, EventBus& events)
    : loop_(loop), sup_(sup), events_(events) {
  sub_ = events_.subscribe([this](const DaemonEvent& e) { on_event(e); });
}

ReadinessMonitor::~ReadinessMonitor() {
  events_.unsubscribe(sub_);
  for (auto& [name, rt] : rt_) quiesce(rt);
}

Status ReadinessMonitor::open() {
  auto s = NotifySocket::open(loop_, [this](const ucred& c, std::string_view p, bool t) { on_notify(c, p, t); });
  if (!s) return s.error();
  socket_ = std::move(*s);
  return {};
}

const std::string& ReadinessMonitor::notify_address() const {
  static const std::string none;
  return socket_ ? socket_->address() : none;
}

Service* ReadinessMonitor::service_of(pid_t pid) const {
  if (pid <= 0) return nullptr;
  if (Service* s = sup_.by_pid(pid)) return s;
  // A process of the service: its session (setsid at launch) or process group
  // leader is the service's main process.
  pid_t pgrp = 0, session = 0;
  if (!group_and_session(pid, pgrp, session)) return nullptr;
  if (Service* s = sup_.by_pid(session)) return s;
  return sup_.by_pid(pgrp);
}

namespace {
// Whether a service needs per-service readiness state: notify, a probe, a watchdog.
bool uses_readiness(const config::ReadinessConfig& r) {
  return r.notify != config::NotifyMode::None || r.ready_probe || r.health_probe || r.watchdog;
}
}  // namespace

Status ReadinessMonitor::before_launch(const Service& s, launch::LaunchSpec& ls) {
  const auto& r = s.spec.cfg.readiness;
  // Most services use none of this: no state is made for them (a launch and a
  // re-adoption of 1,000 services made 1,000 of them, each with a LaunchSpec).
  if (!uses_readiness(r) && !rt_.count(s.spec.name())) return {};
  Runtime& rt = rt_[s.spec.name()];
  close_fd_pipe(rt);
  if (r.notify == config::NotifyMode::Systemd) {
    if (!socket_) return Error::logic("notify = \"systemd\": corrald has no notify socket", ENOTCONN);
    ls.env["NOTIFY_SOCKET"] = socket_->address();
    auto period = rt.watchdog_override ? *rt.watchdog_override
                                       : std::chrono::duration_cast<std::chrono::microseconds>(
                                             r.watchdog.value_or(config::Duration{0}));
    if (period.count() > 0) ls.env["WATCHDOG_USEC"] = std::to_string(period.count());
  } else if (r.notify == config::NotifyMode::Fd) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("notify fd:" + std::to_string(r.notify_fd) + ": pipe");
    rt.fd_read.reset(fds[0]);
    rt.fd_write.reset(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    ls.pass_fds.emplace_back(fds[1], r.notify_fd);
  }
  auto exec_probe = [](const std::optional<corral::readiness::ProbeSpec>& p) {
    return p && p->kind == corral::readiness::ProbeKind::Exec;
  };
  if (exec_probe(r.ready_probe) || exec_probe(r.health_probe)) {
    rt.exec_base = ls;  // after the fair-share hook: carries the service's cgroup
    rt.exec_base.pass_fds.clear();
  }
  return {};
}

void ReadinessMonitor::after_launch(const Service& s) {
  auto it = rt_.find(s.spec.name());
  if (it == rt_.end()) return;
  Runtime& rt = it->second;
  rt.fd_write.reset();  // the child has its copy: EOF once it (and its children) close it
  if (rt.fd_read) {
    std::string name = s.spec.name();
    if (!loop_.add(rt.fd_read.get(), EPOLLIN, [this, name](std::uint32_t) { on_fd_ready(name); }))
      rt.fd_read.reset();
  }
}

void ReadinessMonitor::close_fd_pipe(Runtime& rt) {
  if (rt.fd_read) loop_.remove(rt.fd_read.get());
  rt.fd_read.reset();
  rt.fd_write.reset();
}

void ReadinessMonitor::on_fd_ready(const std::string& name) {
  auto it = rt_.find(name);
  if (it == rt_.end()) return;
  char buf[256];
  bool newline = false, eof = false;
  for (;;) {
    ssize_t n = ::read(it->second.fd_read.get(), buf, sizeof buf);
    if (n > 0) {
      if (std::find(buf, buf + n, '\n') != buf + n) newline = true;
      continue;
    }
    eof = n == 0 || (errno != EAGAIN && errno != EINTR);
    break;
  }
  if (newline || eof) close_fd_pipe(it->second);  // one line is all s6 asks for
  Service* s = sup_.find(name);
  if (newline && s && s->machine.state() == State::Starting) sup_.deliver(*s, Event::Ready);
}

void ReadinessMonitor::on_notify(const ucred& cred, std::string_view payload, bool truncated) {
  Service* s = service_of(cred.pid);
  if (!s || s->spec.cfg.readiness.notify != config::NotifyMode::Systemd) {
    ++rejected_;
    log_line("notify: datagram from pid %d ignored: not a process of a service with notify = \"systemd\"",
             static_cast<int>(cred.pid));
    return;
  }
  const std::string name = s->spec.name();
  if (truncated) {
    log_line("%s: notify: datagram over %zu bytes ignored", name.c_str(), corral::readiness::kMaxNotifyDatagram);
    return;
  }
  auto m = corral::readiness::parse_notify_message(payload);
  if (!m) {
    log_line("%s: notify: %s", name.c_str(), m.error().message.c_str());
    return;
  }
  Runtime& rt = rt_[name];
  if (m->status) rt.status_text = *m->status;
  if (m->errno_value) rt.errno_value = *m->errno_value;
  if (m->reloading) rt.reloading = true;
  if (m->stopping) rt.stopping = true;
  if (m->main_pid) {
    // Only a process of this same service may become its main pid.
    if (service_of(*m->main_pid) == s) rt.main_pid = *m->main_pid;
    else log_line("%s: notify: MAINPID=%d is not a process of the service; ignored", name.c_str(), *m->main_pid);
  }
  // Fed while ready (running, or merely marked unhealthy by its health probe).
  const bool feedable = (s->machine.state() == State::Running || s->machine.state() == State::Unhealthy) &&
                        !s->machine.condemned();
  if (m->watchdog_usec) {
    rt.watchdog_override = std::chrono::microseconds(*m->watchdog_usec);
    if (feedable) arm_watchdog(name);
  }
  if (m->watchdog && feedable) arm_watchdog(name);
  if (m->extend_timeout_usec) sup_.extend_timeout(*s, std::chrono::microseconds(*m->extend_timeout_usec));
  if (m->ready) {
    rt.reloading = false;
    if (s->machine.state() == State::Starting) sup_.deliver(*s, Event::Ready);
  }
  if (m->watchdog_trigger && alive_state(s->machine.state()))
    sup_.deliver(*s, Event::WatchdogTimeout, "watchdog: the service sent WATCHDOG=trigger");
}

void ReadinessMonitor::arm_watchdog(const std::string& name) {
  auto it = rt_.find(name);
  Service* s = sup_.find(name);
  if (it == rt_.end() || !s) return;
  Runtime& rt = it->second;
  loop_.cancel_timer(rt.watchdog_timer);
  rt.watchdog_timer = 0;
  auto period = rt.watchdog_override
                    ? std::chrono::duration_cast<config::Duration>(*rt.watchdog_override)
                    : s->spec.cfg.readiness.watchdog.value_or(config::Duration{0});
  if (period.count() <= 0) return;
  rt.watchdog_timer = loop_.add_timer(std::chrono::steady_clock::now() + period, [this, name, period] {
    auto it2 = rt_.find(name);
    if (it2 != rt_.end()) it2->second.watchdog_timer = 0;
    if (Service* sv = sup_.find(name); sv && alive_state(sv->machine.state()))
      sup_.deliver(*sv, Event::WatchdogTimeout, "watchdog: no WATCHDOG=1 within " + config::format_duration(period));
  });
}

void ReadinessMonitor::stop_probe(Probe& p) {
  loop_.cancel_timer(p.timer);
  p.timer = 0;
  p.run.reset();
}

void ReadinessMonitor::quiesce(Runtime& rt) {
  stop_probe(rt.ready);
  stop_probe(rt.health);
  loop_.cancel_timer(rt.watchdog_timer);
  rt.watchdog_timer = 0;
  close_fd_pipe(rt);
}

void ReadinessMonitor::on_event(const DaemonEvent& e) {
  if (e.kind == DaemonEvent::Kind::Removed) {
    auto it = rt_.find(e.service);
    if (it != rt_.end()) {
      quiesce(it->second);
      rt_.erase(it);
    }
    return;
  }
  if (e.kind != DaemonEvent::Kind::State) return;
  Service* s = sup_.find(e.service);
  if (!s) return;
  const auto& cfg = s->spec.cfg.readiness;
  if (!uses_readiness(cfg) && !rt_.count(e.service)) return;  // as in before_launch
  Runtime& rt = rt_[e.service];
  auto now = std::chrono::steady_clock::now();
  State st = s->machine.state();  // now, not e.to: later events may be queued behind this one
  if (e.to == "starting" && st == State::Starting) {
    rt.status_text.clear();
    rt.main_pid = 0;
    rt.errno_value.reset();
    rt.stopping = rt.reloading = false;
    stop_probe(rt.health);
    loop_.cancel_timer(rt.watchdog_timer);
    rt.watchdog_timer = 0;
    if (cfg.ready_probe) {
      stop_probe(rt.ready);
      if (!rt.ready.tracker || !(rt.ready.tracker->spec() == *cfg.ready_probe))
        rt.ready.tracker.emplace(*cfg.ready_probe);
      rt.ready.tracker->restart(now);
      schedule(e.service, false);
    }
  } else if (e.to == "running" && st == State::Running) {
    stop_probe(rt.ready);
    close_fd_pipe(rt);
    if (e.from != "unhealthy") {  // recovered: the health probe keeps its rhythm
      if (cfg.health_probe) {
        stop_probe(rt.health);
        if (!rt.health.tracker || !(rt.health.tracker->spec() == *cfg.health_probe))
          rt.health.tracker.emplace(*cfg.health_probe);
        rt.health.tracker->restart(now);
        schedule(e.service, true);
      }
    }
    if (cfg.notify == config::NotifyMode::Systemd) arm_watchdog(e.service);
  } else if (e.to == "unhealthy" && st == State::Unhealthy) {
    if (s->machine.condemned()) quiesce(rt);  // on its way out: nothing more to learn
  } else if (!alive_state(st)) {
    quiesce(rt);
  }
}

void ReadinessMonitor::schedule(const std::string& name, bool health) {
  auto it = rt_.find(name);
  if (it == rt_.end()) return;
  Probe& p = health ? it->second.health : it->second.ready;
  if (!p.tracker) return;
  loop_.cancel_timer(p.timer);
  auto when = std::max(p.tracker->next_due(), std::chrono::steady_clock::now());
  // Timer slack, as systemd's AccuracySec: probes due within the same 10 ms
  // slot run in one wakeup, so 1,000 probes a second cost 100 wakeups, not 1,000.
  constexpr auto kSlack = std::chrono::milliseconds(10);
  auto since = when.time_since_epoch();
  when += (kSlack - since % kSlack) % kSlack;
  p.timer = loop_.add_timer(when, [this, name, health] { run_probe(name, health); });
}

void ReadinessMonitor::run_probe(const std::string& name, bool health) {
  auto it = rt_.find(name);
  if (it == rt_.end()) return;
  Probe& p = health ? it->second.health : it->second.ready;
  p.timer = 0;
  if (!p.tracker || !sup_.find(name)) return;
  p.tracker->began(std::chrono::steady_clock::now());
  p.run = ProbeRun::start(loop_, sup_, probe_sockets_, p.tracker->spec(), it->second.exec_base,
                          [this, name, health](bool ok, std::string detail) {
                            probe_done(name, health, ok, std::move(detail));
                          });
}

void ReadinessMonitor::probe_done(const std::string& name, bool health, bool ok, std::string detail) {
  auto it = rt_.find(name);
  Service* s = sup_.find(name);
  if (it == rt_.end() || !s) return;
  Probe& p = health ? it->second.health : it->second.ready;
  // The run called us: keep it alive until it has returned, then drop it.
  std::unique_ptr<ProbeRun> finished = std::move(p.run);
  loop_.defer([keep = std::shared_ptr<ProbeRun>(std::move(finished))] {});
  if (!p.tracker) return;
  std::string last = detail;
  bool changed = p.tracker->record(std::chrono::steady_clock::now(), wall_ms_now(), ok, std::move(detail));
  ProbeVerdict v = p.tracker->verdict();
  State st = s->machine.state();
  if (!health) {
    if (st != State::Starting) return;
    if (v == ProbeVerdict::Passing) {
      sup_.deliver(*s, Event::Ready);
      return;
    }
    schedule(name, false);
    return;
  }
  if (!alive_state(st)) return;
  if (changed && v == ProbeVerdict::Failing) {
    sup_.deliver(*s, Event::HealthFailed,
                 "health probe failed " + std::to_string(p.tracker->failures_in_a_row()) + " times in a row (" +
                     last + ")");
  } else if (changed && v == ProbeVerdict::Passing && st == State::Unhealthy) {
    sup_.deliver(*s, Event::HealthOk);
  }
  if (Service* again = sup_.find(name); again && alive_state(again->machine.state()) && !again->machine.condemned())
    schedule(name, true);
}

void ReadinessMonitor::decorate(const Service& s, protocol::ServiceStatus& st) const {
  State state = s.machine.state();
  st.ready = state == State::Running || state == State::Unhealthy;
  auto it = rt_.find(s.spec.name());
  const Runtime* rt = it == rt_.end() ? nullptr : &it->second;
  if (rt) st.status_text = rt->status_text;
  st.health = "unknown";
  if (state == State::Unhealthy) {
    st.health = "failing";
    if (st.error.empty()) st.error = s.machine.unhealthy_reason();
  } else if (state == State::Running) {
    const auto& cfg = s.spec.cfg.readiness;
    if (cfg.health_probe && rt && rt->health.tracker) {
      ProbeVerdict v = rt->health.tracker->verdict();
      st.health = v == ProbeVerdict::Passing ? "ok" : v == ProbeVerdict::Failing ? "failing" : "unknown";
    } else if (cfg.watchdog || (rt && rt->watchdog_override)) {
      st.health = "ok";  // fed in time, or it would not be running
    }
  }
}

nlohmann::json ReadinessMonitor::describe(const Service& s) const {
  using nlohmann::json;
  const auto& cfg = s.spec.cfg.readiness;
  auto it = rt_.find(s.spec.name());
  const Runtime* rt = it == rt_.end() ? nullptr : &it->second;
  auto probe_json = [&](const std::optional<corral::readiness::ProbeSpec>& spec, const Probe* p) -> json {
    if (!spec) return nullptr;
    json hist = json::array();
    if (p && p->tracker)
      for (const auto& r : p->tracker->history())
        hist.push_back(json{{"time_ms", r.wall_time_ms},
                            {"ok", r.ok},
                            {"detail", r.detail},
                            {"took_ms", std::chrono::duration<double, std::milli>(r.took).count()}});
    json j{{"target", spec->target()},
           {"interval", config::format_duration(spec->interval)},
           {"timeout", config::format_duration(spec->timeout)},
           {"initial_delay", config::format_duration(spec->initial_delay)},
           {"success_threshold", spec->success_threshold},
           {"failure_threshold", spec->failure_threshold},
           {"verdict", p && p->tracker ? std::string(corral::readiness::verdict_name(p->tracker->verdict()))
                                       : std::string("unknown")},
           {"history", hist}};
    return j;
  };
  std::vector<std::string> required = cfg.required;
  return json{{"notify", config::notify_text(cfg)},
              {"notify_socket", cfg.notify == config::NotifyMode::Systemd ? json(notify_address()) : json(nullptr)},
              {"start_timeout", config::format_duration(cfg.start_timeout)},
              {"watchdog", cfg.watchdog ? json(config::format_duration(*cfg.watchdog)) : json(nullptr)},
              {"watchdog_signal", signal_text(cfg.watchdog_signal)},
              {"requires", required},
              {"status_text", rt ? rt->status_text : std::string()},
              {"main_pid", rt && rt->main_pid > 0 ? json(rt->main_pid) : json(nullptr)},
              {"errno", rt && rt->errno_value ? json(*rt->errno_value) : json(nullptr)},
              {"ready_probe", probe_json(cfg.ready_probe, rt ? &rt->ready : nullptr)},
              {"health_probe", probe_json(cfg.health_probe, rt ? &rt->health : nullptr)}};
}

}  // namespace corral::daemon::readiness
