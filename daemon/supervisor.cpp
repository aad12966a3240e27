// SPDX-License-Identifier: Apache-2.0
#include "supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "corral/config/to_launch_spec.hpp"
#include "corral/config/units.hpp"
#include "corral/launch/exit_status.hpp"
#include "corral/launch/launch.hpp"
#include "daemon_log.hpp"
#include "seccomp/settings_json.hpp"
#include "signal_text.hpp"

namespace corral::daemon {

using supervise::Event;
using supervise::State;

std::int64_t wall_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

supervise::ExitInfo exit_info_from_status(int ws) {
  supervise::ExitInfo info;
  info.wall_time_ms = wall_ms_now();
  launch::ExitInfo e = launch::exit_info_from_wait_status(ws);
  if (e.signaled) info.signal = e.code_or_signal;
  else info.code = e.code_or_signal;
  info.core_dumped = e.core_dumped;
  info.description = launch::to_string(e);
  return info;
}

Supervisor::Supervisor(EventLoop& loop, const DaemonSettings& settings, EventBus& events)
    : loop_(loop), settings_(settings), events_(events) {
  read_buf_.resize(64 * 1024);
}

Supervisor::~Supervisor() {
  if (dying_timer_) loop_.cancel_timer(dying_timer_);
  for (auto& [name, s] : services_) {
    if (s->timer) loop_.cancel_timer(s->timer);
    if (s->pidfd) loop_.remove(s->pidfd.get());
    if (s->pending) loop_.remove(s->pending->handshake.get());
    if (s->log_read) loop_.remove(s->log_read.get());
  }
}

std::string Supervisor::log_path(const std::string& name) const { return settings_.log_dir + "/" + name + ".log"; }

Service* Supervisor::find(const std::string& name) {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : it->second.get();
}

std::vector<Service*> Supervisor::match(const std::string& name) {
  std::vector<Service*> out;
  if (Service* s = find(name)) {
    out.push_back(s);
    return out;
  }
  std::string prefix = name + "@";
  for (auto it = services_.lower_bound(prefix); it != services_.end() && it->first.starts_with(prefix); ++it)
    out.push_back(it->second.get());
  return out;
}

Status Supervisor::add(ServiceSpec spec) {
  if (spec.name().empty()) return Error::logic("a service needs a name", EINVAL);
  if (spec.name().find('/') != std::string::npos || spec.name()[0] == '.')
    return Error::logic("service name '" + spec.name() + "' must not contain '/' or start with '.'", EINVAL);
  if (services_.count(spec.name())) return Error::logic("service " + spec.name() + " already exists", EEXIST);
  if (spec.cfg.argv.empty()) return Error::logic("service " + spec.name() + ": empty command", EINVAL);
  auto s = std::make_unique<Service>();
  s->machine.set_policy(spec.policy());
  s->spec = std::move(spec);
  s->log = std::make_unique<supervise::LogFile>(log_path(s->spec.name()), s->spec.cfg.log_max_size,
                                                static_cast<int>(s->spec.cfg.log_keep));
  std::string name = s->spec.name();
  services_.emplace(name, std::move(s));
  return {};
}

void Supervisor::notify(Service& s) {
  State now = s.machine.state();
  if (now != s.published_state) {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::State;
    e.service = s.spec.name();
    e.from = std::string(supervise::state_name(s.published_state));
    e.to = std::string(supervise::state_name(now));
    e.pid = s.pid;
    e.reason = s.machine.error();
    if (e.reason.empty() && !s.machine.history().empty() && (now == State::Exited || now == State::Stopped))
      e.reason = s.machine.history().front().info.description;
    s.published_state = now;
    events_.publish(std::move(e));
  }
  if (on_change) on_change(s.spec.name());
}

void Supervisor::start(Service& s) { apply(s, s.machine.handle(Event::Start, supervise::Clock::now())); }

void Supervisor::stop(Service& s) { apply(s, s.machine.handle(Event::Stop, supervise::Clock::now())); }

void Supervisor::restart(Service& s) {
  auto now = supervise::Clock::now();
  State st = s.machine.state();
  if (st == State::Starting || st == State::Running || st == State::Stopping || st == State::Unhealthy) {
    apply(s, s.machine.handle(Event::Stop, now));
    apply(s, s.machine.handle(Event::Start, now));  // queued until the process is gone
  } else {
    if (st == State::Backoff) apply(s, s.machine.handle(Event::Stop, now));
    apply(s, s.machine.handle(Event::Start, now));
  }
}

Status Supervisor::signal(Service& s, int sig) {
  if (s.pid <= 0) return Error::logic(s.spec.name() + " has no running process", ESRCH);
  if (::kill(s.pid, sig) != 0) return errno_error("kill " + std::to_string(s.pid));
  return {};
}

void Supervisor::remove(Service& s) {
  s.remove_when_stopped = true;
  if (s.pid > 0) {
    stop(s);
    return;
  }
  stop(s);  // leave backoff/exited/fatal; cancels timers
  if (s.pid <= 0) forget(s);
}

bool Supervisor::replace_spec(Service& s, ServiceSpec spec) {
  if (s.pid > 0 || s.machine.state() == State::Backoff) {
    s.next_spec = std::make_unique<ServiceSpec>(std::move(spec));
    restart(s);  // the launch picks up next_spec
    return false;
  }
  // Not running: the new settings apply now, so the dependency gate already
  // sees the new `after` and `requires`.
  s.next_spec.reset();
  s.spec = std::move(spec);
  s.machine.set_policy(s.spec.policy());
  s.log = std::make_unique<supervise::LogFile>(log_path(s.spec.name()), s.spec.cfg.log_max_size,
                                               static_cast<int>(s.spec.cfg.log_keep));
  return s.spec.cfg.autostart;
}

void Supervisor::forget(Service& s) {
  std::string name = s.spec.name();
  if (s.timer) loop_.cancel_timer(s.timer);
  if (s.pidfd) loop_.remove(s.pidfd.get());
  if (s.pending) loop_.remove(s.pending->handshake.get());
  if (s.log_read) {
    drain_log(s);
    loop_.remove(s.log_read.get());
  }
  if (s.pid > 0) by_pid_.erase(s.pid);
  services_.erase(name);  // s is gone now
  DaemonEvent e;
  e.kind = DaemonEvent::Kind::Removed;
  e.service = name;
  events_.publish(std::move(e));
  if (on_change) on_change(name);
}

void Supervisor::stop_all() {
  std::vector<Service*> all;
  for (auto& [name, s] : services_) all.push_back(s.get());
  for (Service* s : all) stop(*s);
}

bool Supervisor::all_idle() const {
  if (!dying_.empty()) return false;
  for (const auto& [name, s] : services_)
    if (s->pid > 0) return false;
  return true;
}

bool Supervisor::group_dying(const std::string& name) const {
  for (const auto& [pgid, d] : dying_)
    if (d.name == name) return true;
  return false;
}

void Supervisor::check_dying() {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::string> done;
  for (auto it = dying_.begin(); it != dying_.end();) {
    bool gone = ::kill(-it->first, 0) != 0 && errno == ESRCH;
    if (!gone && now - it->second.since > std::chrono::seconds(10)) {
      log_line("%s: process group %d still has members 10 s after SIGKILL; giving up on it",
               it->second.name.c_str(), static_cast<int>(it->first));
      gone = true;
    }
    if (gone) {
      done.push_back(it->second.name);
      it = dying_.erase(it);
    } else {
      ++it;
    }
  }
  // Members reaped by a parent other than us send no SIGCHLD here: look again
  // shortly, but only while some group is dying (never when idle).
  if (!dying_.empty() && dying_timer_ == 0) {
    dying_timer_ = loop_.add_timer(now + std::chrono::milliseconds(50), [this] {
      dying_timer_ = 0;
      check_dying();
    });
  }
  for (const auto& name : done)
    if (on_change) on_change(name);
}

void Supervisor::apply(Service& s, const supervise::Effects& fx) {
  if (fx.cancel_timer && s.timer) {
    loop_.cancel_timer(s.timer);
    s.timer = 0;
  }
  if ((fx.send_stop_signal || fx.send_kill || fx.send_watchdog_signal) && s.pid > 0 && before_stop_signal)
    before_stop_signal(s);
  if (fx.send_stop_signal && s.pid > 0) {
    // The whole process group: a service's own children go with it.
    // A child still in its setup may not have called setsid yet: then its pid.
    if (::kill(-s.pid, s.spec.cfg.stop_signal) != 0 && errno == ESRCH) ::kill(s.pid, s.spec.cfg.stop_signal);
    ::kill(-s.pid, SIGCONT);  // a stopped process could not act on the signal
  }
  if (fx.send_watchdog_signal && s.pid > 0) {
    ::kill(-s.pid, s.spec.cfg.readiness.watchdog_signal);
    ::kill(-s.pid, SIGCONT);
  }
  if (fx.send_kill && s.pid > 0) {
    log_line("%s: did not stop within %lld ms, sending SIGKILL", s.spec.name().c_str(),
             static_cast<long long>(s.machine.policy().stop_timeout.count()));
    if (::kill(-s.pid, SIGKILL) != 0 && errno == ESRCH) ::kill(s.pid, SIGKILL);
  }
  if (fx.arm_timer) {
    if (s.timer) loop_.cancel_timer(s.timer);
    arm_service_timer(s, std::chrono::steady_clock::now() + *fx.arm_timer);
  }
  // Launch before telling anyone: a waiting `restart` reply should carry the new pid.
  if (fx.launch) launch(s);
  if (fx.state_changed) notify(s);
}

void Supervisor::arm_service_timer(Service& s, std::chrono::steady_clock::time_point when) {
  Service* sp = &s;
  s.timer_deadline = when;
  s.timer = loop_.add_timer(when, [this, sp] {
    sp->timer = 0;
    on_timer(*sp);
  });
}

void Supervisor::extend_timeout(Service& s, std::chrono::microseconds by) {
  // Only the timers that bound a start or a stop; backoff is corrald's own.
  State st = s.machine.state();
  bool bounded = (st == State::Starting && s.machine.policy().waits_for_ready) || st == State::Stopping;
  if (!s.timer || !bounded) return;
  auto when = std::chrono::steady_clock::now() + by;
  if (when <= s.timer_deadline) return;
  loop_.cancel_timer(s.timer);
  arm_service_timer(s, when);
}

void Supervisor::on_timer(Service& s) {
  Event e;
  switch (s.machine.state()) {
    case State::Starting: e = s.machine.starting_timer_event(); break;
    case State::Backoff: e = Event::BackoffElapsed; break;
    case State::Stopping:
    case State::Unhealthy: e = Event::StopTimeout; break;
    default: return;
  }
  std::string reason;
  if (e == Event::StartTimeout)
    reason = "not ready within start_timeout " + config::format_duration(s.spec.cfg.readiness.start_timeout);
  apply(s, s.machine.handle(e, supervise::Clock::now(), std::move(reason)));
}

Status Supervisor::ensure_log_pipe(Service& s) {
  if (s.log_read) return {};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("pipe for " + s.spec.name());
  s.log_read.reset(fds[0]);
  s.log_write.reset(fds[1]);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  Service* sp = &s;
  return loop_.add(fds[0], EPOLLIN, [this, sp](std::uint32_t) { drain_log(*sp); });
}

void Supervisor::drain_log(Service& s) {
  // Bounded per wakeup so one chatty service cannot starve the others.
  for (int i = 0; i < 16; ++i) {
    ssize_t n = ::read(s.log_read.get(), read_buf_.data(), read_buf_.size());
    if (n <= 0) return;
    std::string_view chunk(read_buf_.data(), static_cast<std::size_t>(n));
    if (Status st = s.log->write(chunk); !st) {
      if (!s.log_error_reported) log_line("%s: log: %s", s.spec.name().c_str(), st.error().message.c_str());
      s.log_error_reported = true;
    } else {
      s.log_error_reported = false;
    }
    if (on_log) on_log(s.spec.name(), chunk);
  }
}

void Supervisor::child_exited(Service& s, int ws) {
  // Seen before its handshake: a failed exec is a launch error, not an exit 127.
  if (s.pending && settle_launch(s) == Settled::Failed) return;
  supervise::ExitInfo info = exit_info_from_status(ws);
  // With a filter set, SIGSYS is the filter's kill action (a protection error).
  if (info.signal == SIGSYS && s.spec.cfg.hardening.syscall_filter) info.description += ": " + launch::seccomp_kill_reason();
  process_ended(s, std::move(info));
}

void Supervisor::process_ended(Service& s, supervise::ExitInfo info) {
  if (s.pidfd) {
    loop_.remove(s.pidfd.get());
    s.pidfd.reset();
  }
  s.seccomp_listener.reset();
  if (s.pending) {
    loop_.remove(s.pending->handshake.get());
    s.pending.reset();
  }
  pid_t pgid = s.pid;
  by_pid_.erase(s.pid);
  s.pid = 0;
  // Pick up its last words before the exit is recorded.
  if (s.log_read) drain_log(s);
  const bool stopping = s.machine.state() == State::Stopping;
  // A stopped service starts afresh (its cgroup may be remade meanwhile); a crash
  // restarts with the prepared work.
  if (stopping) drop_prepared(s);
  {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::Exit;
    e.service = s.spec.name();
    e.pid = pgid;
    e.reason = info.description;
    events_.publish(std::move(e));
  }
  // A stop ends the whole group; members that outlived the leader go too.
  if (stopping && ::kill(-pgid, SIGKILL) == 0) {
    dying_[pgid] = Dying{s.spec.name(), std::chrono::steady_clock::now()};
    check_dying();
  }
  if (after_exit) after_exit(s, stopping);
  apply(s, s.machine.exited(supervise::Clock::now(), std::move(info)));
  if (s.remove_when_stopped && s.pid <= 0 && s.machine.state() != State::Starting) forget(s);
}

void Supervisor::on_sigchld() {
  // Services and orphaned grandchildren (we are a subreaper) alike; whichever
  // of this and the pidfd sees a service's exit first handles it.
  //
  // A bounded number per turn: services that crash as fast as they are
  // restarted (start_secs = 0, restart = "always") leave a new zombie behind
  // each launch, so an unbounded loop could reap and relaunch forever and
  // never let the loop serve the control socket. The rest are reaped from the
  // loop, after the clients had their turn (SIGCHLD does not come again for
  // children that have already ended).
  constexpr int kReapPerTurn = 16;
  for (int reaped = 0;; ++reaped) {
    if (reaped == kReapPerTurn) {
      if (!reap_queued_) {
        reap_queued_ = true;
        loop_.defer([this] {
          reap_queued_ = false;
          on_sigchld();
        });
      }
      break;
    }
    int ws = 0;
    pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid <= 0) break;
    auto it = by_pid_.find(pid);
    if (it != by_pid_.end()) {
      child_exited(*it->second, ws);
    } else if (auto h = helpers_.find(pid); h != helpers_.end()) {
      auto done = std::move(h->second);
      helpers_.erase(h);
      done(ws);
    }
  }
  if (!dying_.empty()) check_dying();
}

void Supervisor::deliver(Service& s, supervise::Event e, std::string reason) {
  apply(s, s.machine.handle(e, supervise::Clock::now(), std::move(reason)));
}

Service* Supervisor::by_pid(pid_t pid) const {
  auto it = by_pid_.find(pid);
  return it == by_pid_.end() ? nullptr : it->second;
}

void Supervisor::watch_child(pid_t pid, std::function<void(int)> done) { helpers_[pid] = std::move(done); }

protocol::ServiceStatus Supervisor::status_of(const Service& s) const {
  protocol::ServiceStatus st;
  st.name = s.spec.name();
  st.state = std::string(supervise::state_name(s.machine.state()));
  st.pid = s.pid;
  st.restarts = s.machine.restarts();
  if (s.pid > 0 && s.machine.started_at()) {
    st.uptime_s = std::chrono::duration<double>(supervise::Clock::now() - *s.machine.started_at()).count();
  }
  if (!s.machine.history().empty()) st.last_exit = s.machine.history().front().info.description;
  st.error = s.machine.error();
  st.deadlock = s.pid > 0 && is_deadlocked && is_deadlocked(st.name);
  if (decorate_status) decorate_status(s, st);
  return st;
}

nlohmann::json Supervisor::describe(const Service& s) const {
  using nlohmann::json;
  const auto& c = s.spec.cfg;
  json settings{{"command", c.argv},
                {"env", c.env},
                {"cwd", c.cwd},
                {"user", c.user ? json(*c.user) : json(nullptr)},
                {"unix_group", c.unix_group ? json(*c.unix_group) : json(nullptr)},
                {"umask", c.umask ? json(*c.umask) : json(nullptr)},
                {"autostart", c.autostart},
                {"after", c.after},
                {"group", c.group},
                {"restart", config::to_string(c.restart)},
                {"start_secs", config::format_duration(c.start_secs)},
                {"backoff_initial", config::format_duration(c.backoff_initial)},
                {"backoff_max", config::format_duration(c.backoff_max)},
                {"start_limit_burst", c.start_limit_burst},
                {"start_limit_interval", config::format_duration(c.start_limit_interval)},
                {"stop_signal", signal_text(c.stop_signal)},
                {"parent_death_signal", c.parent_death_signal ? json(signal_text(c.parent_death_signal)) : json("none")},
                {"stop_timeout", config::format_duration(c.stop_timeout)},
                {"log_max_size", config::format_size(c.log_max_size)},
                {"log_keep", c.log_keep},
                {"transient", s.spec.transient},
                {"log", log_path(s.spec.name())}};
  add_hardening_settings(c.hardening, settings);
  json history = json::array();
  for (const auto& rec : s.machine.history()) {
    history.push_back(json{{"time_ms", rec.info.wall_time_ms},
                           {"code", rec.info.code >= 0 ? json(rec.info.code) : json(nullptr)},
                           {"signal", rec.info.signal ? json(signal_text(rec.info.signal)) : json(nullptr)},
                           {"launch_failed", rec.info.launch_failed},
                           {"description", rec.info.description},
                           {"run_time_s", rec.run_time.count() / 1000.0}});
  }
  return json{{"status", protocol::to_json(status_of(s))}, {"settings", settings}, {"history", history}};
}

}  // namespace corral::daemon
