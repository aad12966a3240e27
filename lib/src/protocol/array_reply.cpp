// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/array_reply.hpp"

#include "corral/protocol/json_text.hpp"
#include "corral/protocol/protocol.hpp"

namespace corral::protocol {

// nlohmann writes the envelope's keys in std::map order: data, ok, v.
ArrayReplyWriter::ArrayReplyWriter() : line_("{\"data\":[") {}

std::string ArrayReplyWriter::finish() {
  line_ += "],\"ok\":true,\"v\":";
  append_json_int(line_, kVersion);
  line_ += "}\n";
  return std::move(line_);
}

}  // namespace corral::protocol
