// SPDX-License-Identifier: Apache-2.0
// The Daemon's side of fair share: wiring FairShare into the supervisor, and the
// suspend, resume and groups requests. Kept apart from daemon.cpp so that the
// fair-share work touches the core files only at a few hook lines.
#include <cstdio>
#include <ctime>

#include "corral/base/file_read.hpp"
#include "daemon.hpp"
#include "daemon_log.hpp"

namespace corral::daemon {

using nlohmann::json;
using protocol::Command;
using protocol::Response;

void Daemon::init_fair_share(const LoadedConfig& initial) {
  fair_ = std::make_unique<FairShare>(*loop_, *sup_);
  FairShare* f = fair_.get();
  sup_->before_launch = [f](const Service& s, launch::LaunchSpec& ls) { return f->before_launch(s, ls); };
  sup_->after_launch = [f](const Service& s) { f->after_launch(s); };
  sup_->after_exit = [f](const Service& s, bool stopping) { f->after_exit(s, stopping); };
  // A stop of a suspended service thaws it first, so it can act on the signal.
  sup_->before_stop_signal = [f](const Service& s) {
    if (f->suspended(s.spec.name())) (void)f->resume(s);
  };
  sup_->decorate_status = [f](const Service& s, protocol::ServiceStatus& st) {
    if (auto label = f->suspend_label(s.spec.name())) st.state = *label;
  };
  fair_->init(initial.daemon, initial.groups);
}

void Daemon::handle_suspend(ClientId id, const protocol::Request& req) {
  const bool suspend = req.command == Command::Suspend;
  if (req.names.empty()) return server_->reply(id, Response::failure("which service? give a NAME"));
  auto r = resolve(req.names);
  if (!r) return server_->reply(id, Response::failure(r.error().message));
  std::vector<std::string> names;
  for (Service* s : *r) {
    std::string before = sup_->status_of(*s).state;
    Status st = suspend ? fair_->suspend(*s) : fair_->resume(*s);
    if (!st) return server_->reply(id, Response::failure(st.error().message));
    names.push_back(s->spec.name());
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::Suspend;
    e.service = s->spec.name();
    e.to = suspend ? "suspended" : "resumed";
    e.pid = s->pid;
    events_.publish(std::move(e));
    // For `events`: the state as `status` shows it, e.g. running -> Ready/Suspend.
    std::string after = sup_->status_of(*s).state;
    if (after != before)
      events_.publish(DaemonEvent{DaemonEvent::Kind::State, 0, s->spec.name(), before, after,
                                  suspend ? "suspended by request" : "resumed by request", s->pid});
  }
  server_->reply(id, Response::success(statuses(names)));
}

namespace {

// Cumulative time on a CPU and waiting for one (/proc/PID/schedstat, main thread
// only), so `corralctl top` can split each refresh into Running / Ready / Blocked.
void add_schedstat(json& row, pid_t pid) {
  if (pid <= 0) return;
  auto text = read_file("/proc/" + std::to_string(pid) + "/schedstat");
  unsigned long long run = 0, delay = 0;
  if (!text || std::sscanf(text->c_str(), "%llu %llu", &run, &delay) != 2) return;
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  row["run_ns"] = run;
  row["ready_ns"] = delay;
  row["sampled_ns"] = static_cast<unsigned long long>(ts.tv_sec) * 1000000000ULL + static_cast<unsigned long long>(ts.tv_nsec);
}

}  // namespace

void Daemon::handle_groups(ClientId id, const protocol::Request& req) {
  json j = fair_->groups_json();
  // Per group: its services, each with its state and pid.
  for (auto& g : j["groups"]) {
    json svcs = json::array();
    for (const auto& [name, s] : sup_->services())
      if (s->spec.cfg.group == g["name"].get<std::string>()) {
        json row = protocol::to_json(sup_->status_of(*s));
        add_schedstat(row, s->pid);
        svcs.push_back(std::move(row));
      }
    g["members"] = std::move(svcs);
  }
  if (!req.names.empty()) {
    json keep = json::array();
    for (auto& g : j["groups"])
      if (g["name"] == req.names[0]) keep.push_back(g);
    if (keep.empty()) return server_->reply(id, Response::failure("no such group: " + req.names[0]));
    j["groups"] = keep;
  }
  server_->reply(id, Response::success(std::move(j)));
}

}  // namespace corral::daemon
