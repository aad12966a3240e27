// SPDX-License-Identifier: Apache-2.0
// Parsing the probe targets of the config: "HOST:PORT" and "http://HOST:PORT/PATH".
#include <charconv>

#include "corral/readiness/probe.hpp"

namespace corral::readiness {
namespace {

// Splits "HOST:PORT" or "[V6]:PORT"; the port is required when require_port.
Status split_host_port(std::string_view text, bool require_port, std::uint16_t default_port, ProbeSpec& out) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return Error::logic("unclosed '[' in \"" + std::string(text) + "\"", EINVAL);
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error::logic("expected ':PORT' after ']' in \"" + std::string(text) + "\"", EINVAL);
      port = rest.substr(1);
    }
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      host = text;
    } else {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
  }
  if (host.empty()) return Error::logic("no host in \"" + std::string(text) + "\"", EINVAL);
  if (host.find_first_of(" \t/?#@") != std::string_view::npos)
    return Error::logic("bad host \"" + std::string(host) + "\"", EINVAL);
  if (port.empty()) {
    if (require_port || text.ends_with(':'))
      return Error::logic("expected HOST:PORT, got \"" + std::string(text) + "\"", EINVAL);
    out.port = default_port;
  } else {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535)
      return Error::logic("port must be a number from 1 to 65535, got \"" + std::string(port) + "\"", EINVAL);
    out.port = static_cast<std::uint16_t>(p);
  }
  out.host = std::string(host);
  return {};
}

}  // namespace

std::string_view probe_kind_name(ProbeKind k) {
  switch (k) {
    case ProbeKind::Exec: return "exec";
    case ProbeKind::Tcp: return "tcp";
    case ProbeKind::Http: return "http";
  }
  return "?";
}

std::string ProbeSpec::target() const {
  auto hostport = [&] {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return h + ":" + std::to_string(port);
  };
  switch (kind) {
    case ProbeKind::Exec: {
      std::string s = "exec";
      for (const auto& a : exec) s += " " + a;
      return s;
    }
    case ProbeKind::Tcp: return "tcp " + hostport();
    case ProbeKind::Http: return "http http://" + hostport() + path;
  }
  return "?";
}

Result<ProbeSpec> parse_tcp_target(std::string_view text) {
  ProbeSpec p;
  p.kind = ProbeKind::Tcp;
  if (Status st = split_host_port(text, true, 0, p); !st) return st.error();
  return p;
}

Result<ProbeSpec> parse_http_url(std::string_view text) {
  constexpr std::string_view scheme = "http://";
  if (!text.starts_with(scheme)) {
    std::string why = text.starts_with("https://") ? " (https is not supported; probe the plain port)" : "";
    return Error::logic("expected a URL http://HOST:PORT/PATH, got \"" + std::string(text) + "\"" + why, EINVAL);
  }
  std::string_view rest = text.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  ProbeSpec p;
  p.kind = ProbeKind::Http;
  if (Status st = split_host_port(authority, false, 80, p); !st) return st.error();
  p.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  for (char c : p.path)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return Error::logic("the URL path must not hold spaces or control characters", EINVAL);
  return p;
}

int http_status_code(std::string_view head) {
  // "HTTP/1.1 200 OK"
  if (!head.starts_with("HTTP/1.")) return -1;
  std::size_t sp = head.find(' ');
  if (sp == std::string_view::npos || head.size() < sp + 4) return -1;
  int code = 0;
  auto [end, ec] = std::from_chars(head.data() + sp + 1, head.data() + sp + 4, code);
  if (ec != std::errc() || end != head.data() + sp + 4 || code < 100 || code > 999) return -1;
  return code;
}

}  // namespace corral::readiness
