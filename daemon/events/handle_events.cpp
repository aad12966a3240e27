// SPDX-License-Identifier: Apache-2.0
// `events [NAME...]`: the reply, then one line per event until the client hangs up.
#include "../daemon.hpp"

namespace corral::daemon {

void Daemon::handle_events(ClientId id, const protocol::Request& req) {
  if (!req.names.empty()) {
    auto r = resolve(req.names);  // an unknown name is a typo more often than a service yet to come
    if (!r) return server_->reply(id, protocol::Response::failure(r.error().message));
  }
  server_->reply(id, protocol::Response::success(nlohmann::json{{"following", true}, {"names", req.names}}));
  event_stream_->follow(id, req.names);
}

}  // namespace corral::daemon
