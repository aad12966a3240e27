// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/status_reply.hpp"

#include "corral/protocol/json_text.hpp"

namespace corral::protocol {

void append_status_json(std::string& out, const ServiceStatus& s) {
  // The keys of to_json(ServiceStatus) in std::map order, as nlohmann dumps them.
  out += "{\"deadlock\":";
  out += s.deadlock ? "true" : "false";
  out += ",\"error\":";
  append_json_string(out, s.error);
  out += ",\"health\":";
  append_json_string(out, s.health);
  out += ",\"last_exit\":";
  append_json_string(out, s.last_exit);
  out += ",\"name\":";
  append_json_string(out, s.name);
  out += ",\"pid\":";
  append_json_int(out, s.pid);
  out += ",\"ready\":";
  out += s.ready ? "true" : "false";
  out += ",\"restarts\":";
  append_json_int(out, s.restarts);
  out += ",\"state\":";
  append_json_string(out, s.state);
  out += ",\"status_text\":";
  append_json_string(out, s.status_text);
  out += ",\"uptime_s\":";
  append_json_double(out, s.uptime_s);
  out += '}';
}

void StatusReplyWriter::add(const ServiceStatus& s) { append_status_json(items_.next_item(), s); }

}  // namespace corral::protocol
