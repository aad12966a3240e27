// SPDX-License-Identifier: Apache-2.0
// The `status` reply written straight into its line, service by service, without
// a JSON tree: byte for byte what encode(Response::success(array of to_json(s)))
// gives (nlohmann sorts object keys, so the keys are written in that order).
// With 1,000 services the tree cost more than everything else corrald does for
// the request (issue 13).
#pragma once

#include <string>

#include "corral/protocol/protocol.hpp"

namespace corral::protocol {

class StatusReplyWriter {
 public:
  StatusReplyWriter();
  void reserve(std::size_t services) { line_.reserve(line_.size() + services * 240 + 32); }
  void add(const ServiceStatus& s);
  // The whole reply line, ending with '\n'. The writer is spent afterwards.
  std::string finish();

 private:
  std::string line_;
  bool first_ = true;
};

// One status object as to_json(s).dump() writes it.
void append_status_json(std::string& out, const ServiceStatus& s);

}  // namespace corral::protocol
