// SPDX-License-Identifier: Apache-2.0
#include "service_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "corral/protocol/socket_path.hpp"
#include "exit_codes.hpp"

namespace corral::ctl {

std::string socket_path_for(const Context& ctx) {
  return ctx.socket_path.empty() ? protocol::default_socket_path() : ctx.socket_path;
}

Result<DaemonConnection> DaemonConnection::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Error::logic(path + ": socket path too long", ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  DaemonConnection c;
  c.fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!c.fd_) return errno_error("socket");
  if (::connect(c.fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return errno_error(path);
  return c;
}

Result<std::string> DaemonConnection::read_line() {
  std::size_t searched = 0;  // a long reply arrives in many reads: look for '\n' only in new bytes
  for (;;) {
    auto nl = buf_.find('\n', searched);
    if (nl != std::string::npos) {
      std::string line;
      if (nl + 1 == buf_.size()) {  // the usual case: the reply is all there is
        buf_.pop_back();
        line.swap(buf_);
      } else {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
      }
      return line;
    }
    searched = buf_.size();
    // Read straight into the buffer, growing it geometrically (a status reply of
    // 1,000 services is ~250 KB, a jobs reply of 10,000 jobs ~7 MB), but open up
    // only one read's worth of it at a time: resize() zero-fills what it adds, and
    // zero-filling all the spare capacity before every read was quadratic (issue 14).
    constexpr std::size_t kReadSize = 256 * 1024;  // more than a Unix socket holds
    if (buf_.capacity() - buf_.size() < kReadSize) buf_.reserve(std::max(buf_.capacity() * 2, 2 * kReadSize));
    const std::size_t old_size = buf_.size();
    buf_.resize(old_size + kReadSize);
    ssize_t n = ::read(fd_.get(), buf_.data() + old_size, kReadSize);
    buf_.resize(old_size + (n > 0 ? static_cast<std::size_t>(n) : 0));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read from corrald");
    if (n == 0) return Error::logic("corrald closed the connection", 0);
  }
}

Result<std::size_t> DaemonConnection::read_some(std::string& into) {
  if (!buf_.empty()) {  // what read_line() read past its line comes first
    const std::size_t n = buf_.size();
    into += buf_;
    buf_.clear();
    return n;
  }
  constexpr std::size_t kReadSize = 256 * 1024;
  const std::size_t old_size = into.size();
  into.resize(old_size + kReadSize);
  for (;;) {
    ssize_t n = ::read(fd_.get(), into.data() + old_size, kReadSize);
    if (n < 0 && errno == EINTR) continue;
    into.resize(old_size + (n > 0 ? static_cast<std::size_t>(n) : 0));
    if (n < 0) return errno_error("read from corrald");
    return static_cast<std::size_t>(n);
  }
}

Status DaemonConnection::send_request(const protocol::Request& req) {
  std::string line = protocol::encode(req);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::send(fd_.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write to corrald");
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::string> DaemonConnection::request_line(const protocol::Request& req) {
  if (Status st = send_request(req); !st) return st.error();
  return read_line();
}

Result<protocol::Response> DaemonConnection::request(const protocol::Request& req) {
  auto reply = request_line(req);
  if (!reply) return reply.error();
  return protocol::decode_response(*reply);
}

Result<DaemonConnection> connect_for(Context& ctx) {
  std::string path = socket_path_for(ctx);
  auto conn = DaemonConnection::connect(path);
  if (!conn) {
    std::fprintf(stderr, "corralctl: cannot reach corrald at %s: %s\n", path.c_str(),
                 std::strerror(conn.error().code ? conn.error().code : ECONNREFUSED));
    ctx.exit_code = kExitUnreachable;
  }
  return conn;
}

Result<std::string> call_line(const protocol::Request& req, Context& ctx) {
  auto conn = connect_for(ctx);
  if (!conn) return conn.error();
  auto line = conn->request_line(req);
  if (!line) {
    std::fprintf(stderr, "corralctl: %s\n", line.error().message.c_str());
    ctx.exit_code = kExitFailed;
  }
  return line;
}

Result<protocol::Response> decode_reply(std::string_view line, Context& ctx) {
  auto resp = protocol::decode_response(line);
  if (!resp) {
    std::fprintf(stderr, "corralctl: %s\n", resp.error().message.c_str());
    ctx.exit_code = kExitFailed;
    return resp.error();
  }
  if (!resp->ok) {
    std::fprintf(stderr, "corralctl: %s\n", resp->error.c_str());
    ctx.exit_code = kExitFailed;
    return Error::logic(resp->error);
  }
  return resp;
}

Result<protocol::Response> call(const protocol::Request& req, Context& ctx) {
  auto line = call_line(req, ctx);
  if (!line) return line.error();
  return decode_reply(*line, ctx);
}

namespace {

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

}  // namespace

int show_service(const std::string& name, Context& ctx) {
  protocol::Request req;
  req.command = protocol::Command::Show;
  req.names = {name};
  auto resp = call(req, ctx);
  if (!resp) return ctx.exit_code;
  const auto& d = resp->data;
  if (ctx.json) {
    std::printf("%s\n", d.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return ctx.exit_code = kExitOk;
  }
  const nlohmann::json empty_obj = nlohmann::json::object();
  const nlohmann::json& st = d.contains("status") ? d["status"] : empty_obj;
  const nlohmann::json& settings = d.contains("settings") ? d["settings"] : empty_obj;
  const nlohmann::json empty_arr = nlohmann::json::array();
  const nlohmann::json& hist = d.contains("history") ? d["history"] : empty_arr;
  std::printf("%s: %s", st.value("name", name).c_str(), st.value("state", "?").c_str());
  if (st.value("pid", 0) > 0) std::printf(", pid %d, up %.1f s", st.value("pid", 0), st.value("uptime_s", 0.0));
  std::printf(", %d restarts\n", st.value("restarts", 0));
  if (!st.value("error", std::string()).empty()) std::printf("  error: %s\n", st.value("error", std::string()).c_str());
  std::printf("Settings:\n");
  for (const auto& [k, v] : settings.items())
    std::printf("  %-24s %s\n", k.c_str(), scalar_text(v).c_str());
  std::printf("Exit history (newest first):\n");
  if (hist.empty()) std::printf("  (none)\n");
  for (const auto& h : hist) {
    std::time_t t = static_cast<std::time_t>(h.value("time_ms", std::int64_t{0}) / 1000);
    char when[32];
    struct tm tm{};
    ::localtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    std::printf("  %s  ran %8.2f s  %s\n", when, h.value("run_time_s", 0.0), h.value("description", "").c_str());
  }
  // Readiness (a corrald that knows it): notify, status text, each probe's recent results.
  if (d.contains("readiness") && d["readiness"].is_object()) {
    const auto& r = d["readiness"];
    std::printf("Readiness: notify %s, ready %s, health %s", r.value("notify", "none").c_str(),
                st.value("ready", false) ? "yes" : "no", st.value("health", "unknown").c_str());
    if (!st.value("status_text", std::string()).empty())
      std::printf(", status \"%s\"", st.value("status_text", std::string()).c_str());
    std::printf("\n");
    for (const char* which : {"ready_probe", "health_probe"}) {
      if (!r.contains(which) || !r[which].is_object()) continue;
      const auto& p = r[which];
      std::printf("  %s: %s every %s, %s\n", which, p.value("target", "").c_str(), p.value("interval", "").c_str(),
                  p.value("verdict", "unknown").c_str());
      for (const auto& h : p.value("history", nlohmann::json::array())) {
        std::time_t t = static_cast<std::time_t>(h.value("time_ms", std::int64_t{0}) / 1000);
        char when[32];
        struct tm tm{};
        ::localtime_r(&t, &tm);
        std::strftime(when, sizeof when, "%H:%M:%S", &tm);
        std::printf("    %s  %-4s %7.1f ms  %s\n", when, h.value("ok", false) ? "pass" : "FAIL", h.value("took_ms", 0.0),
                    h.value("detail", "").c_str());
      }
    }
  }
  const nlohmann::json null_json;
  const nlohmann::json& pcb = d.contains("pcb") ? d["pcb"] : null_json;
  std::printf("Process control block:\n");
  if (pcb.is_null()) {
    std::printf("  (no process)\n");
  } else {
    for (const auto& [k, v] : pcb.items()) {
      if (v.is_object()) {
        for (const auto& [k2, v2] : v.items()) std::printf("  %-24s %s\n", (k + "." + k2).c_str(), scalar_text(v2).c_str());
      } else {
        std::printf("  %-24s %s\n", k.c_str(), scalar_text(v).c_str());
      }
    }
  }
  return ctx.exit_code = kExitOk;
}

}  // namespace corral::ctl
