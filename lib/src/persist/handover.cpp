// SPDX-License-Identifier: Apache-2.0
#include "corral/persist/handover.hpp"

#include <nlohmann/json.hpp>

#include "json_field_reader.hpp"

namespace corral::persist {

using nlohmann::json;

namespace {

// Client buffers are arbitrary bytes (a log chunk for a follower need not be
// UTF-8): hex keeps them exact inside JSON.
std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

// A descriptor number (-1 for none).
void read_fd(JsonFieldReader& rd, const json& obj, const char* key, const std::string& where, int& out) {
  rd.integer(obj, key, where, out);
  if (rd.ok() && out < -1) rd.fail(where + key + ": not a descriptor number");
}

// Bytes written by to_hex.
void read_bytes(JsonFieldReader& rd, const json& obj, const char* key, const std::string& where, std::string& out) {
  std::string hex;
  rd.string(obj, key, where, hex);
  if (rd.ok() && !from_hex(hex, out)) rd.fail(where + key + ": expected hex digits");
}

}  // namespace

std::string encode_handover(const Handover& h) {
  json services = json::array();
  for (const auto& s : h.services)
    services.push_back(json{{"name", s.name},
                            {"pidfd", s.pidfd},
                            {"log_read", s.log_read},
                            {"log_write", s.log_write},
                            {"seccomp_listener", s.seccomp_listener},
                            {"adopted", s.adopted},
                            {"uptime_ms", s.uptime_ms}});
  json clients = json::array();
  for (const auto& c : h.clients)
    clients.push_back(json{{"fd", c.fd},
                           {"in", to_hex(c.in)},
                           {"out", to_hex(c.out)},
                           {"requester", c.requester},
                           {"pending", c.pending},
                           {"pending_names", c.pending_names},
                           {"no_block", c.no_block},
                           {"follows", c.follows}});
  json runs = json::object();
  for (const auto& [name, argv] : h.run_commands) runs[name] = argv;
  json j{{"format", h.format},
         {"generation", h.generation},
         {"exec_wall_ms", h.exec_wall_ms},
         {"binary", h.binary},
         {"listen_fd", h.listen_fd},
         {"services", std::move(services)},
         {"clients", std::move(clients)},
         {"run_commands", std::move(runs)},
         {"state", encode(h.state)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<Handover> decode_handover(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Error::logic("hand-over: not a complete JSON document", EINVAL);
  if (!j.is_object()) return Error::logic("hand-over: expected a JSON object", EINVAL);
  JsonFieldReader rd;
  Handover h;
  rd.integer(j, "format", "", h.format);
  if (rd.ok() && h.format != kHandoverFormat)
    return Error::logic("hand-over: format " + std::to_string(h.format) + " is not the one this corrald reads (" +
                            std::to_string(kHandoverFormat) + ")",
                        EINVAL);
  rd.integer(j, "generation", "", h.generation);
  rd.integer(j, "exec_wall_ms", "", h.exec_wall_ms);
  rd.string(j, "binary", "", h.binary);
  read_fd(rd, j, "listen_fd", "", h.listen_fd);
  if (const json* a = rd.array(j, "services", "")) {
    for (std::size_t i = 0; i < a->size() && rd.ok(); ++i) {
      const json& o = (*a)[i];
      const std::string w = "services[" + std::to_string(i) + "].";
      if (!o.is_object()) {
        rd.fail(w + ": expected an object");
        break;
      }
      HandoverService s;
      rd.string(o, "name", w, s.name);
      read_fd(rd, o, "pidfd", w, s.pidfd);
      read_fd(rd, o, "log_read", w, s.log_read);
      read_fd(rd, o, "log_write", w, s.log_write);
      read_fd(rd, o, "seccomp_listener", w, s.seccomp_listener);
      rd.boolean(o, "adopted", w, s.adopted);
      rd.integer(o, "uptime_ms", w, s.uptime_ms);
      h.services.push_back(std::move(s));
    }
  }
  if (const json* a = rd.array(j, "clients", "")) {
    for (std::size_t i = 0; i < a->size() && rd.ok(); ++i) {
      const json& o = (*a)[i];
      const std::string w = "clients[" + std::to_string(i) + "].";
      if (!o.is_object()) {
        rd.fail(w + ": expected an object");
        break;
      }
      HandoverClient c;
      read_fd(rd, o, "fd", w, c.fd);
      read_bytes(rd, o, "in", w, c.in);
      read_bytes(rd, o, "out", w, c.out);
      rd.boolean(o, "requester", w, c.requester);
      rd.string(o, "pending", w, c.pending);
      rd.strings(o, "pending_names", w, c.pending_names);
      rd.boolean(o, "no_block", w, c.no_block);
      rd.string(o, "follows", w, c.follows);
      h.clients.push_back(std::move(c));
    }
  }
  if (const json* r = rd.field(j, "run_commands", "")) {
    if (!r->is_object()) rd.fail("run_commands: expected an object");
    else
      for (auto it = r->begin(); it != r->end() && rd.ok(); ++it) {
        std::vector<std::string> argv;
        rd.strings(*r, it.key().c_str(), "run_commands.", argv);
        h.run_commands[it.key()] = std::move(argv);
      }
  }
  std::string state_text;
  rd.string(j, "state", "", state_text);
  if (!rd.ok()) return Error::logic("hand-over: " + rd.error(), EINVAL);
  auto st = decode(state_text);
  if (!st) return Error::logic("hand-over: state: " + st.error().message, EINVAL);
  h.state = std::move(*st);
  return h;
}

std::vector<int> handover_fds(const Handover& h) {
  std::vector<int> out;
  auto add = [&](int fd) {
    if (fd >= 0) out.push_back(fd);
  };
  add(h.listen_fd);
  for (const auto& s : h.services) {
    add(s.pidfd);
    add(s.log_read);
    add(s.log_write);
    add(s.seccomp_listener);
  }
  for (const auto& c : h.clients) add(c.fd);
  return out;
}

}  // namespace corral::persist
