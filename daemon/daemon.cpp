// SPDX-License-Identifier: Apache-2.0
#include "daemon.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "corral/launch/launch.hpp"
#include "corral/protocol/status_reply.hpp"
#include "corral/supervise/log_file.hpp"
#include "daemon_log.hpp"
#include "pcb_json.hpp"
#include "signal_text.hpp"

namespace corral::daemon {

using nlohmann::json;
using protocol::Command;
using protocol::Response;
using supervise::State;

Daemon::Daemon(DaemonSettings settings) : settings_(std::move(settings)) {}

Daemon::~Daemon() {
  // Components first: each holds references to the loop, the bus or the
  // supervisor, and cancels its timers and subscriptions as it goes.
  queues_.reset();
  adopter_.reset();
  state_.reset();
  pipes_.reset();
  event_stream_.reset();
  metrics_.reset();
  gate_.reset();
  ready_.reset();
  self_notify_.reset();
  deadlocks_.reset();
  server_.reset();
  sup_.reset();
  fair_.reset();
  learner_.reset();  // removes its fds from the loop, so before the loop goes
  loop_.reset();
}

Status Daemon::init(LoadedConfig initial) {
  // First, while the lowest fd numbers are free: children then copy a few fds
  // instead of corrald's whole table (several fds per service) at every launch.
  if (!launch::reserve_launch_fd_slots())
    log_line("launch fd slots: not reserved (they need vfork-style children, x86_64 without AddressSanitizer, "
             "and close_range CLOSE_RANGE_UNSHARE, Linux 5.9); each launch copies corrald's fd table");
  auto loop = EventLoop::create();
  if (!loop) return loop.error();
  loop_.reset(*loop);

  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&set, sig);
  signal_fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signal_fd_) return errno_error("signalfd");
  if (Status st = loop_->add(signal_fd_.get(), EPOLLIN, [this](std::uint32_t) { on_signal(); }); !st) return st;

  learner_ = std::make_unique<SyscallLearner>(*loop_, events_);  // before the supervisor starts anything
  sup_ = std::make_unique<Supervisor>(*loop_, settings_, events_);
  sup_->on_change = [this](const std::string& name) { on_service_change(name); };
  sup_->on_log = [this](const std::string& name, std::string_view chunk) {
    auto it = followers_.find(name);
    if (it == followers_.end()) return;
    std::string line = protocol::encode_log_chunk(chunk);
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(), [&](ClientId c) { return !server_->send_raw(c, line); }),
               list.end());
  };

  deadlocks_ = std::make_unique<DeadlockMonitor>(*loop_, *sup_, events_);
  sup_->is_deadlocked = [this](const std::string& name) { return deadlocks_ && deadlocks_->deadlocked(name); };
  deadlocks_->configure(initial.daemon.deadlock_check, initial.daemon.deadlock_action);
  config_stamp_ = std::move(initial.stamp);

  server_ = std::make_unique<ControlServer>(
      *loop_, settings_.socket_path, settings_.client_timeout_s, settings_.max_clients,
      [this](ClientId id, const Peer& peer, const protocol::Request& req) { on_request(id, peer, req); });
  server_->on_disconnect = [this](ClientId id) {
    pending_.erase(std::remove_if(pending_.begin(), pending_.end(), [id](const Pending& p) { return p.client == id; }),
                   pending_.end());
    for (auto& [name, list] : followers_) list.erase(std::remove(list.begin(), list.end(), id), list.end());
    if (event_stream_) event_stream_->forget(id);
    if (queues_) queues_->forget_client(id);
  };
  if (settings_.socket_gid) server_->set_socket_group(*settings_.socket_gid);
  if (Status st = handover_ ? server_->listen_on(UniqueFd(handover_->listen_fd)) : server_->listen(); !st) return st;
  init_fair_share(initial);
  if (Status st = init_readiness(); !st) return st;
  event_stream_ = std::make_unique<EventStream>(*loop_, events_, *server_);
  metrics_ = std::make_unique<MetricsComponent>(*loop_, *sup_, fair_, *deadlocks_);
  if (Status st = metrics_->listen(initial.daemon.metrics_listen); !st)
    log_line("%s; corrald goes on without it (`corralctl metrics` still works)", st.error().message.c_str());
  else if (!metrics_->where().empty())
    log_line("metrics: GET /metrics on %s", metrics_->where().c_str());

  std::vector<std::string> order;
  for (auto& spec : initial.services) {
    order.push_back(spec.name());
    if (Status st = sup_->add(std::move(spec)); !st) return st;
  }
  const std::set<std::string> adopted = init_adoption();
  queues_ = std::make_unique<QueueRunner>(*loop_, *sup_, *server_, events_, fair_.get(), settings_.state_dir,
                                          settings_.log_dir);
  queues_->init(initial.queues);
  metrics_->set_queues(queues_.get());
  // Start order: the config's (after = ...), instances in index order; each
  // waits until what it comes after is ready.
  for (const auto& name : order) {
    Service* s = sup_->find(name);
    if (s && s->spec.cfg.autostart && !adopted.count(name)) gate_->request_start(*s, true);
  }
  log_line("listening on %s, %zu services, log dir %s", settings_.socket_path.c_str(), sup_->services().size(),
           settings_.log_dir.c_str());
  if (handover_) finish_handover();  // a re-exec: answer the clients the old corrald had
  self_notify_->ready(services_summary());  // listening, autostart services launched
  return {};
}

int Daemon::run() {
  Status st = loop_->run();
  if (!st) {
    log_line("%s", st.error().message.c_str());
    return 1;
  }
  server_->shutdown();
  if (fair_) fair_->shutdown();
  finish_clean_shutdown();  // every service stopped: nothing to adopt next time
  log_line("stopped");
  return 0;
}

void Daemon::on_signal() {
  signalfd_siginfo si;
  bool chld = false;
  while (::read(signal_fd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    switch (si.ssi_signo) {
      case SIGCHLD: chld = true; break;
      case SIGHUP: {
        if (shutting_down_) break;
        log_line("SIGHUP: reloading %s", settings_.config_path.c_str());
        self_notify_->reloading();
        auto r = reload();
        self_notify_->ready(services_summary());
        if (!r) log_line("reload refused, keeping the running state:\n%s", r.error().message.c_str());
        break;
      }
      case SIGTERM:
      case SIGINT:
        if (shutting_down_) {  // asked twice: no more waiting
          log_line("%s again: killing every service", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
          for (const auto& [name, s] : sup_->services())
            if (s->pid > 0) ::kill(-s->pid, SIGKILL);
        } else {
          log_line("%s: stopping every service", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
          begin_shutdown();
        }
        break;
      case SIGUSR2:
        if (Status st = reexec(std::nullopt); !st) log_line("SIGUSR2: %s", st.error().message.c_str());
        break;
      default: break;
    }
  }
  if (chld) sup_->on_sigchld();
}

void Daemon::begin_shutdown() {
  shutting_down_ = true;
  {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::Daemon;
    e.reason = "stopping";
    events_.publish(std::move(e));
  }
  self_notify_->stopping();
  gate_->clear();  // nothing waiting starts any more
  deadlocks_->configure(std::nullopt, config::DeadlockAction::Log);  // no restarts while stopping
  sup_->stop_all();
  check_pending();
  if (sup_->all_idle() && pending_.empty()) loop_->stop();
}

void Daemon::on_service_change(const std::string& name) {
  if (self_notify_ && self_notify_->enabled()) self_notify_->status(services_summary());
  if (!sup_->find(name)) {  // removed: its followers have nothing more to read
    auto it = followers_.find(name);
    if (it != followers_.end()) {
      for (ClientId c : it->second) server_->close_after_flush(c);
      followers_.erase(it);
    }
  }
  check_pending();
  if (shutting_down_ && pending_.empty() && sup_->all_idle()) loop_->stop();
}

bool Daemon::settled(const Pending& p) {
  if (p.command == Command::Shutdown) return sup_->all_idle();
  for (const auto& name : p.names) {
    Service* s = sup_->find(name);
    if (!s) continue;  // removed: nothing more to wait for
    State st = s->machine.state();
    if (p.command == Command::Stop && (s->pid > 0 || sup_->group_dying(name))) return false;
    if (p.command == Command::Stop && st == State::Stopping) return false;
    if (p.command == Command::Restart && (st == State::Stopping || s->machine.start_queued())) return false;
    if ((p.command == Command::Start || p.command == Command::Restart) && !p.no_block && !start_settled(name))
      return false;
  }
  return true;
}

void Daemon::check_pending() {
  if (pending_.empty()) return;
  // Replies may resume a client's next request, which may add to pending_: work on a copy.
  std::vector<Pending> done;
  auto it = std::stable_partition(pending_.begin(), pending_.end(), [this](const Pending& p) { return !settled(p); });
  done.assign(std::make_move_iterator(it), std::make_move_iterator(pending_.end()));
  pending_.erase(it, pending_.end());
  for (const auto& p : done) {
    if (p.command == Command::Shutdown) {
      server_->reply(p.client, Response::success(json{{"stopped", true}}));
    } else {
      server_->reply(p.client, Response::success(statuses(p.names)));
    }
  }
}

json Daemon::statuses(const std::vector<std::string>& names) {
  json arr = json::array();
  for (const auto& n : names) {
    if (Service* s = sup_->find(n)) arr.push_back(protocol::to_json(sup_->status_of(*s)));
  }
  return arr;
}

Result<std::vector<Service*>> Daemon::resolve(const std::vector<std::string>& names) {
  std::vector<Service*> out;
  for (const auto& n : names) {
    auto m = sup_->match(n);
    if (m.empty()) return Error::logic("no such service: " + n, ENOENT);
    for (Service* s : m)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

void Daemon::on_request(ClientId id, const Peer& peer, const protocol::Request& req) {
  if (protocol::changes_state(req.command) && !peer.privileged) {
    server_->reply(id, Response::failure(std::string(protocol::command_name(req.command)) + " refused: " + peer.why_not));
    return;
  }
  if (shutting_down_ && (req.command == Command::Start || req.command == Command::Restart ||
                         req.command == Command::Run || req.command == Command::Reload)) {
    server_->reply(id, Response::failure("corrald is shutting down"));
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  switch (req.command) {
    case Command::Status: handle_status(id, req); break;
    case Command::Show: handle_show(id, req); break;
    case Command::Start:
    case Command::Stop:
    case Command::Restart: handle_control(id, req); break;
    case Command::Signal: handle_signal(id, req); break;
    case Command::Reload: handle_reload(id); break;
    case Command::Logs: handle_logs(id, req); break;
    case Command::Run: handle_run(id, req); break;
    case Command::Shutdown: handle_shutdown(id); break;
    case Command::Suspend:
    case Command::Resume: handle_suspend(id, req); break;
    case Command::Groups: handle_groups(id, req); break;
    case Command::SyscallsLearned: handle_syscalls_learned(id, req); break;
    case Command::Version:
      server_->reply(id, Response::success(json{{"version", CORRAL_VERSION},
                                                {"protocol", protocol::kVersion},
                                                {"pid", ::getpid()},
                                                {"generation", generation_},  // daemon-reexecs so far
                                                {"config", settings_.config_path},
                                                {"log_dir", settings_.log_dir}}));
      break;
    case Command::Metrics: handle_metrics(id); break;
    case Command::Events: handle_events(id, req); break;
    case Command::DaemonReexec: handle_daemon_reexec(id, peer); break;
    case Command::Submit:
    case Command::Jobs:
    case Command::JobShow:
    case Command::JobWait:
    case Command::JobCancel:
    case Command::JobLogs:
    case Command::QueueList:
    case Command::QueuePause:
    case Command::QueueResume: queues_->handle(id, peer, req); break;
  }
  // Deferred replies (stop, restart) count the time to take them in, not the wait.
  metrics_->observe_request(protocol::command_name(req.command),
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

void Daemon::handle_status(ClientId id, const protocol::Request& req) {
  // Streamed into the reply line (same bytes as the JSON tree's dump, without the tree).
  protocol::StatusReplyWriter reply;
  if (req.names.empty()) {
    reply.reserve(sup_->services().size());
    for (const auto& [name, s] : sup_->services()) reply.add(sup_->status_of(*s));
  } else {
    auto r = resolve(req.names);
    if (!r) return server_->reply(id, Response::failure(r.error().message));
    for (Service* s : *r) reply.add(sup_->status_of(*s));
  }
  server_->reply_line(id, reply.finish());
}

void Daemon::handle_show(ClientId id, const protocol::Request& req) {
  if (req.names.size() != 1) return server_->reply(id, Response::failure("show takes one service name"));
  Service* s = sup_->find(req.names[0]);
  if (!s) {
    auto m = sup_->match(req.names[0]);
    std::string msg = "no such service: " + req.names[0];
    if (!m.empty()) {
      msg = req.names[0] + " has instances:";
      for (Service* i : m) msg += " " + i->spec.name();
    }
    return server_->reply(id, Response::failure(msg));
  }
  json d = sup_->describe(*s);
  d["pcb"] = s->pid > 0 ? pcb_json_of(s->pid) : json(nullptr);
  d["readiness"] = ready_->describe(*s);
  server_->reply(id, Response::success(std::move(d)));
}

void Daemon::handle_control(ClientId id, const protocol::Request& req) {
  if (req.names.empty()) return server_->reply(id, Response::failure("which service? give a NAME"));
  auto r = resolve(req.names);
  if (!r) return server_->reply(id, Response::failure(r.error().message));
  std::vector<std::string> names;
  for (Service* s : *r) names.push_back(s->spec.name());
  for (const auto& n : names) {
    Service* s = sup_->find(n);
    if (!s) continue;
    if (req.command == Command::Start) {
      gate_->request_start(*s, true);
    } else if (req.command == Command::Stop) {
      gate_->cancel(n);
      sup_->stop(*s);
    } else {
      sup_->restart(*s);
    }
  }
  // start and restart reply once the services are ready (or failed to be; at
  // once with no_block); stop once the old processes are gone.
  Pending p{id, req.command, std::move(names), req.no_block};
  if ((req.command == Command::Start && req.no_block) || settled(p)) {
    server_->reply(id, Response::success(statuses(p.names)));
  } else {
    pending_.push_back(std::move(p));
  }
}

void Daemon::handle_signal(ClientId id, const protocol::Request& req) {
  if (req.names.empty() || req.signal.empty()) return server_->reply(id, Response::failure("usage: signal NAME SIG"));
  auto sig = signal_from_text(req.signal);
  if (!sig) return server_->reply(id, Response::failure("unknown signal '" + req.signal + "'"));
  auto r = resolve(req.names);
  if (!r) return server_->reply(id, Response::failure(r.error().message));
  json sent = json::array();
  for (Service* s : *r) {
    if (Status st = sup_->signal(*s, *sig); !st) return server_->reply(id, Response::failure(st.error().message));
    sent.push_back(json{{"name", s->spec.name()}, {"pid", s->pid}, {"signal", signal_text(*sig)}});
  }
  server_->reply(id, Response::success(std::move(sent)));
}

Result<json> Daemon::reload() {
  auto loaded = load_daemon_config(settings_.config_path);
  if (!loaded) {
    events_.publish(DaemonEvent{DaemonEvent::Kind::Reload, 0, "", "", "refused", loaded.error().message, 0});
    return loaded.error();
  }
  // The one [daemon] setting that can fail at run time goes first: a reload
  // whose metrics address cannot be opened changes nothing.
  const std::string metrics_before = metrics_->where();
  if (Status st = metrics_->listen(loaded->daemon.metrics_listen); !st) {
    std::string why = "metrics_listen = \"" + loaded->daemon.metrics_listen + "\": " + st.error().message;
    events_.publish(DaemonEvent{DaemonEvent::Kind::Reload, 0, "", "", "refused", why, 0});
    return Error::logic(why);
  }
  if (metrics_->where() != metrics_before)
    log_line("metrics: %s", metrics_->where().empty() ? "endpoint closed" : ("GET /metrics on " + metrics_->where()).c_str());
  deadlocks_->configure(loaded->daemon.deadlock_check, loaded->daemon.deadlock_action);
  if (fair_) fair_->reload(loaded->groups);
  if (queues_) queues_->reload(loaded->queues);
  std::map<std::string, ServiceSpec*> wanted;
  for (auto& spec : loaded->services) wanted[spec.name()] = &spec;
  json added = json::array(), removed = json::array(), changed = json::array();
  int unchanged = 0;
  // Removed first (their names may come back as instances), then changed, then added in start order.
  std::vector<Service*> gone;
  for (const auto& [name, s] : sup_->services()) {
    if (s->spec.transient) continue;
    auto it = wanted.find(name);
    if (it == wanted.end()) {
      gone.push_back(s.get());
    } else if (s->remove_when_stopped) {
      s->remove_when_stopped = false;  // removed by an earlier reload, back now: keep it
      changed.push_back(name);
    } else if (!s->spec.same_as(*it->second)) {
      changed.push_back(name);
    } else {
      ++unchanged;
    }
  }
  for (Service* s : gone) {
    removed.push_back(s->spec.name());
    sup_->remove(*s);
  }
  for (const auto& name : changed) {
    Service* s = sup_->find(name);
    // A stopped one starts as a new one would: once what it waits for is ready.
    if (s && sup_->replace_spec(*s, *wanted[name])) gate_->request_start(*s, true);
  }
  for (auto& spec : loaded->services) {
    if (sup_->find(spec.name())) continue;
    std::string name = spec.name();
    bool autostart = spec.cfg.autostart;
    if (Status st = sup_->add(spec); !st) {
      log_line("reload: %s", st.error().message.c_str());
      continue;
    }
    added.push_back(name);
    if (autostart) gate_->request_start(*sup_->find(name), true);
  }
  log_line("reload: %zu added, %zu removed, %zu changed, %d unchanged", added.size(), removed.size(), changed.size(),
           unchanged);
  events_.publish(DaemonEvent{DaemonEvent::Kind::Reload, 0, "", "", "done",
                              std::to_string(added.size()) + " added, " + std::to_string(removed.size()) + " removed, " +
                                  std::to_string(changed.size()) + " changed, " + std::to_string(unchanged) +
                                  " unchanged",
                              0});
  config_stamp_ = std::move(loaded->stamp);
  return json{{"added", added}, {"removed", removed}, {"changed", changed}, {"unchanged", unchanged}};
}

void Daemon::handle_reload(ClientId id) {
  self_notify_->reloading();
  auto r = reload();
  self_notify_->ready(services_summary());
  if (!r) {
    log_line("reload refused, keeping the running state:\n%s", r.error().message.c_str());
    return server_->reply(id, Response::failure("reload refused, running state kept: " + r.error().message));
  }
  server_->reply(id, Response::success(std::move(*r)));
}

void Daemon::handle_logs(ClientId id, const protocol::Request& req) {
  if (req.names.size() != 1) return server_->reply(id, Response::failure("logs takes one service name"));
  Service* s = sup_->find(req.names[0]);
  if (!s) {
    auto m = sup_->match(req.names[0]);
    std::string msg = "no such service: " + req.names[0];
    if (!m.empty()) {
      msg = req.names[0] + " has instances; pick one:";
      for (Service* i : m) msg += " " + i->spec.name();
    }
    return server_->reply(id, Response::failure(msg));
  }
  auto text = supervise::tail_file(sup_->log_path(s->spec.name()), req.lines);
  if (!text) return server_->reply(id, Response::failure(text.error().message));
  server_->reply(id, Response::success(json{{"name", s->spec.name()}, {"text", *text}, {"follow", req.follow}}));
  if (req.follow && server_->alive(id)) {
    server_->set_following(id, true);
    followers_[s->spec.name()].push_back(id);
  }
}

void Daemon::handle_run(ClientId id, const protocol::Request& req) {
  if (req.argv.empty()) return server_->reply(id, Response::failure("run: no command given"));
  ServiceSpec spec;
  auto& c = spec.cfg;
  c.name = req.name;
  if (c.name.empty()) {
    do c.name = "run-" + std::to_string(++run_counter_);
    while (sup_->find(c.name));
  }
  c.template_name = c.name;
  c.argv = req.argv;
  c.restart = config::Restart::No;
  c.start_secs = std::chrono::seconds(0);
  spec.transient = true;
  if (Status st = sup_->add(spec); !st) return server_->reply(id, Response::failure(st.error().message));
  std::string name = c.name;
  sup_->start(*sup_->find(name));
  server_->reply(id, Response::success(statuses({name})));
}

void Daemon::handle_shutdown(ClientId id) {
  log_line("shutdown requested: stopping every service");
  pending_.push_back(Pending{id, Command::Shutdown, {}});
  if (!shutting_down_) begin_shutdown();
  else check_pending();
}

}  // namespace corral::daemon
