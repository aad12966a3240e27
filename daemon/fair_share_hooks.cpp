// The Daemon's side of fair share: wiring FairShare into the supervisor, and the
// suspend, resume and groups requests. Kept apart from daemon.cpp so that the
// fair-share work touches the core files only at a few hook lines.
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
    Status st = suspend ? fair_->suspend(*s) : fair_->resume(*s);
    if (!st) return server_->reply(id, Response::failure(st.error().message));
    names.push_back(s->spec.name());
  }
  server_->reply(id, Response::success(statuses(names)));
}

void Daemon::handle_groups(ClientId id, const protocol::Request& req) {
  json j = fair_->groups_json();
  // Per group: its services, each with its state and pid.
  for (auto& g : j["groups"]) {
    json svcs = json::array();
    for (const auto& [name, s] : sup_->services())
      if (s->spec.cfg.group == g["name"].get<std::string>()) svcs.push_back(protocol::to_json(sup_->status_of(*s)));
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
