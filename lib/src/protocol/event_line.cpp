// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/event_line.hpp"

#include <ctime>

#include "corral/protocol/protocol.hpp"

namespace corral::protocol {

using nlohmann::json;

std::string utc_time_text(std::int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return buf;
}

json to_json(const EventRecord& e) {
  return json{{"time", utc_time_text(e.time_ms)}, {"kind", e.kind}, {"service", e.service}, {"from", e.from},
              {"to", e.to},                       {"reason", e.reason}, {"pid", e.pid}};
}

std::string encode_event_line(const EventRecord& e) { return dump_line(json{{"v", kVersion}, {"event", to_json(e)}}); }

std::string encode_dropped_line(std::uint64_t missed, std::string_view reason) {
  return dump_line(json{{"v", kVersion}, {"dropped", json{{"missed", missed}, {"reason", reason}}}});
}

Result<StreamLine> decode_stream_line(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error::logic("events: not a JSON object: " + std::string(line.substr(0, 200)));
  StreamLine out;
  if (auto it = j.find("event"); it != j.end() && it->is_object()) {
    out.event = *it;
    return out;
  }
  if (auto it = j.find("dropped"); it != j.end() && it->is_object()) {
    out.dropped = true;
    auto m = it->find("missed");
    if (m != it->end() && m->is_number_unsigned()) out.missed = m->get<std::uint64_t>();
    auto r = it->find("reason");
    if (r != it->end() && r->is_string()) out.reason = r->get<std::string>();
    return out;
  }
  if (auto it = j.find("error"); it != j.end() && it->is_string()) return Error::logic(it->get<std::string>());
  return Error::logic("events: unexpected line: " + std::string(line.substr(0, 200)));
}

}  // namespace corral::protocol
