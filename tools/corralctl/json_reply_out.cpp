// SPDX-License-Identifier: Apache-2.0
#include "json_reply_out.hpp"

#include <cstdio>
#include <string>

#include "corral/protocol/json_reindent.hpp"
#include "corral/protocol/protocol.hpp"

namespace corral::ctl {

bool print_reply_data_reindented(std::string_view line) {
  constexpr std::string_view kHead = "{\"data\":";
  const std::string tail = ",\"ok\":true,\"v\":" + std::to_string(protocol::kVersion) + "}";
  if (line.size() < kHead.size() + tail.size() || line.substr(0, kHead.size()) != kHead ||
      line.substr(line.size() - tail.size()) != tail)
    return false;
  // reindent_json accepts exactly one value, so the data cannot end early and
  // leave the tail to be something else.
  std::string out;
  if (!protocol::reindent_json(line.substr(kHead.size(), line.size() - kHead.size() - tail.size()), 2, out))
    return false;
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  return true;
}

}  // namespace corral::ctl
