// SPDX-License-Identifier: Apache-2.0
// A `corralctl events` follower on its own connection, for the tests that
// check what the event stream says.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "corral/protocol/event_line.hpp"
#include "daemon_fixture.hpp"

namespace corral::testing {

// An `events` follower on its own connection.
class EventReader {
 public:
  EventReader(const std::string& socket, std::vector<std::string> names = {}) : c_(socket) {
    protocol::Request req;
    req.command = protocol::Command::Events;
    req.names = std::move(names);
    reply_ = c_.call(req);
  }
  const protocol::Response& reply() const { return reply_; }
  // The next event (or dropped line); nullopt at EOF or timeout.
  std::optional<protocol::StreamLine> next() {
    std::string line = c_.read_line();
    if (line.empty()) return std::nullopt;
    auto l = protocol::decode_stream_line(line);
    if (!l) return std::nullopt;
    return *l;
  }
  // Events until one matches `stop` (included), or none comes within the client's timeout.
  std::vector<nlohmann::json> until(const std::function<bool(const nlohmann::json&)>& stop) {
    std::vector<nlohmann::json> out;
    while (auto l = next()) {
      if (l->dropped) break;
      out.push_back(l->event);
      if (stop(l->event)) break;
    }
    return out;
  }
  Client& client() { return c_; }

 private:
  Client c_;
  protocol::Response reply_;
};

}  // namespace corral::testing
