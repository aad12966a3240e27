// SPDX-License-Identifier: Apache-2.0
// The `status` reply written straight into its line, service by service, without
// a JSON tree: byte for byte what encode(Response::success(array of to_json(s)))
// gives (nlohmann sorts object keys, so the keys are written in that order).
// With 1,000 services the tree cost more than everything else corrald does for
// the request (issue 13).
#pragma once

#include <string>

#include "corral/protocol/array_reply.hpp"
#include "corral/protocol/protocol.hpp"

namespace corral::protocol {

class StatusReplyWriter {
 public:
  void reserve(std::size_t services) { items_.reserve(services * 240); }
  void add(const ServiceStatus& s);
  // The whole reply line, ending with '\n'. The writer is spent afterwards.
  std::string finish() { return items_.finish(); }

 private:
  ArrayReplyWriter items_;
};

// One status object as to_json(s).dump() writes it.
void append_status_json(std::string& out, const ServiceStatus& s);

}  // namespace corral::protocol
