// SPDX-License-Identifier: Apache-2.0
// syscalls-learned NAME: what a service in learning mode did outside its filter.
#include "../daemon.hpp"

namespace corral::daemon {

using nlohmann::json;
using protocol::Response;

void Daemon::handle_syscalls_learned(ClientId id, const protocol::Request& req) {
  if (req.names.size() != 1) return server_->reply(id, Response::failure("syscalls learned takes one service name"));
  Service* s = sup_->find(req.names[0]);
  if (!s) return server_->reply(id, Response::failure("no such service: " + req.names[0]));
  const auto& filter = s->spec.cfg.hardening.syscall_filter;
  if (!filter) return server_->reply(id, Response::failure(req.names[0] + " has no syscall_filter"));
  json learned = json::array();
  if (const auto* seen = learner_->learned(req.names[0]))
    for (const auto& [name, rec] : *seen)
      learned.push_back(json{{"syscall", name}, {"count", rec.count}, {"first_seen_ms", rec.first_seen_ms}});
  server_->reply(id, Response::success(json{{"service", req.names[0]},
                                            {"syscall_filter", filter->spec.entries},
                                            {"syscall_filter_mode", std::string(seccomp::to_string(filter->mode))},
                                            {"learned", std::move(learned)}}));
}

}  // namespace corral::daemon
