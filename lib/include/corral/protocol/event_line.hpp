// SPDX-License-Identifier: Apache-2.0
// The lines of an `events` stream, after its reply: one event per line,
//   {"v":1,"event":{"time":"2026-11-29T03:40:00.123Z","kind":"state","service":"web",
//                   "from":"running","to":"backoff","reason":"exited with code 1","pid":42}}
// and, when corrald dropped a reader too slow to keep up, a last line
//   {"v":1,"dropped":{"missed":1234,"reason":"..."}}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"

namespace corral::protocol {

struct EventRecord {
  std::int64_t time_ms = 0;  // Unix time
  std::string kind;          // "state", "exit", "removed", "reload", "daemon", ...
  std::string service;       // "" for daemon-wide events
  std::string from, to;      // state names (kind "state")
  std::string reason;
  int pid = 0;
};

// "2026-11-29T03:40:00.123Z"
std::string utc_time_text(std::int64_t unix_ms);

nlohmann::json to_json(const EventRecord& e);
std::string encode_event_line(const EventRecord& e);
std::string encode_dropped_line(std::uint64_t missed, std::string_view reason);

// One stream line: an event (its JSON object), or the last line of a dropped reader.
struct StreamLine {
  bool dropped = false;
  nlohmann::json event;       // when !dropped
  std::uint64_t missed = 0;   // when dropped
  std::string reason;         // when dropped
};
Result<StreamLine> decode_stream_line(std::string_view line);

}  // namespace corral::protocol
