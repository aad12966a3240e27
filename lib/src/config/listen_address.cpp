// SPDX-License-Identifier: Apache-2.0
#include "corral/config/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace corral::config {

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress a;
  if (text.starts_with("/")) {
    if (text.size() > 107) return Error::logic("a Unix socket path must be at most 107 bytes long");
    a.is_unix = true;
    a.path = std::string(text);
    return a;
  }
  const std::string expected = "expected \"HOST:PORT\" (like \"127.0.0.1:9464\" or \"[::1]:9464\") or an absolute "
                               "Unix-socket path, got \"" + std::string(text) + "\"";
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return Error::logic(expected);
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535)
    return Error::logic(expected + ": the port must be 1..65535");
  a.port = static_cast<std::uint16_t>(p);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    a.host = std::string(host.substr(1, host.size() - 2));
    a.ipv6 = true;
  } else if (host == "localhost") {
    a.host = "127.0.0.1";
  } else {
    a.host = std::string(host);
  }
  unsigned char buf[16];
  if (::inet_pton(a.ipv6 ? AF_INET6 : AF_INET, a.host.c_str(), buf) != 1)
    return Error::logic(expected + ": the host must be a numeric address (IPv6 in brackets) or localhost");
  return a;
}

}  // namespace corral::config
