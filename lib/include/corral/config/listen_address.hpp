// SPDX-License-Identifier: Apache-2.0
// `[daemon] metrics_listen`: "HOST:PORT" (an IPv4 literal, [IPv6] or localhost)
// or an absolute Unix-socket path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "corral/base/result.hpp"

namespace corral::config {

struct ListenAddress {
  bool is_unix = false;
  std::string path;  // is_unix: the socket file
  std::string host;  // otherwise: the numeric address ("127.0.0.1", "::1")
  std::uint16_t port = 0;
  bool ipv6 = false;
};

// The error message says what was expected; the caller adds the file and place.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace corral::config
