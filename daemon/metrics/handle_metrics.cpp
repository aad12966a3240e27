// SPDX-License-Identifier: Apache-2.0
// `metrics`: the exposition (Prometheus text 0.0.4) over the control socket,
// for hosts that expose no port.
#include "../daemon.hpp"

namespace corral::daemon {

void Daemon::handle_metrics(ClientId id) {
  server_->reply(id, protocol::Response::success(
                         nlohmann::json{{"text", metrics_->exposition(metrics::Format::Prometheus004)},
                                        {"content_type", metrics::content_type(metrics::Format::Prometheus004)}}));
}

}  // namespace corral::daemon
