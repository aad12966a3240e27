// SPDX-License-Identifier: Apache-2.0
// metrics and events: what corrald exports to monitoring, over the control socket.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "corral/protocol/event_line.hpp"
#include "exit_codes.hpp"
#include "service_client.hpp"

namespace corral::ctl {

namespace {

using nlohmann::json;
using protocol::Command;

// "03:40:00.123 web running -> backoff pid 42: exited with code 1"
std::string event_text(const json& e) {
  std::string time = e.value("time", "");
  auto t = time.find('T');
  std::string out = t == std::string::npos ? time : time.substr(t + 1, 12);
  std::string kind = e.value("kind", "");
  std::string service = e.value("service", "");
  out += " " + (service.empty() ? std::string("corrald") : service);
  if (kind == "state") out += " " + e.value("from", "") + " -> " + e.value("to", "");
  else out += " " + kind + (e.value("to", "").empty() ? "" : " " + e.value("to", ""));
  if (int pid = e.value("pid", 0); pid > 0) out += " pid " + std::to_string(pid);
  if (std::string reason = e.value("reason", ""); !reason.empty()) out += ": " + reason;
  return out;
}

void run_events(Context& ctx, const std::vector<std::string>& names) {
  protocol::Request req;
  req.command = Command::Events;
  req.names = names;
  std::string path = socket_path_for(ctx);
  auto conn = DaemonConnection::connect(path);
  if (!conn) {
    std::fprintf(stderr, "corralctl: cannot reach corrald at %s: %s\n", path.c_str(),
                 std::strerror(conn.error().code ? conn.error().code : ECONNREFUSED));
    ctx.exit_code = kExitUnreachable;
    return;
  }
  auto resp = conn->request(req);
  if (!resp || !resp->ok) {
    std::fprintf(stderr, "corralctl: %s\n", resp ? resp->error.c_str() : resp.error().message.c_str());
    ctx.exit_code = kExitFailed;
    return;
  }
  ctx.exit_code = kExitOk;
  for (;;) {
    auto line = conn->read_line();
    if (!line) break;  // corrald went away (or stopped)
    auto ev = protocol::decode_stream_line(*line);
    if (!ev) {
      std::fprintf(stderr, "corralctl: %s\n", ev.error().message.c_str());
      ctx.exit_code = kExitFailed;
      return;
    }
    if (ev->dropped) {
      if (ctx.json)
        std::printf("%s\n", json{{"dropped", true}, {"missed", ev->missed}, {"reason", ev->reason}}.dump().c_str());
      std::fprintf(stderr, "corralctl: corrald dropped this stream (%s); %llu events missed\n", ev->reason.c_str(),
                   static_cast<unsigned long long>(ev->missed));
      std::fflush(stdout);
      ctx.exit_code = kExitFailed;
      return;
    }
    std::string out = ctx.json ? ev->event.dump(-1, ' ', false, json::error_handler_t::replace) : event_text(ev->event);
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }
}

}  // namespace

void register_metrics_commands(CLI::App& app, Context& ctx) {
  auto* metrics = app.add_subcommand("metrics", "print corrald's metrics (Prometheus text format 0.0.4)");
  metrics->callback([&ctx] {
    protocol::Request req;
    req.command = Command::Metrics;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) {
      std::printf("%s\n", resp->data.dump(2).c_str());
    } else {
      std::string text = resp->data.value("text", "");
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    ctx.exit_code = kExitOk;
  });

  auto names = std::make_shared<std::vector<std::string>>();
  auto* events = app.add_subcommand("events", "follow service state changes as they happen, one line each");
  events->add_option("name", *names, "only these services (NAME also covers its instances NAME@i)");
  events->callback([&ctx, names] { run_events(ctx, *names); });
}

}  // namespace corral::ctl
