// SPDX-License-Identifier: Apache-2.0
// status, start, stop, restart, signal, reload, logs, run, shutdown: talking to corrald.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "json_reply_out.hpp"
#include "service_client.hpp"

namespace corral::ctl {
namespace {

using protocol::Command;
using nlohmann::json;

std::string uptime_text(double s) {
  char buf[32];
  if (s <= 0) return "-";
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else if (s < 86400) std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  else std::snprintf(buf, sizeof buf, "%dd%02dh", static_cast<int>(s) / 86400, static_cast<int>(s) / 3600 % 24);
  return buf;
}

void print_status_table(const json& arr) {
  std::printf("%-20s %-9s %8s %8s %9s  %s\n", "NAME", "STATE", "PID", "RESTARTS", "UPTIME", "LAST EXIT / ERROR");
  for (const auto& row : arr) {
    auto st = protocol::status_from_json(row);
    if (!st) continue;
    std::string note = !st->error.empty() ? st->error : !st->status_text.empty() ? st->status_text : st->last_exit;
    // corrald's deadlock check saw one of its processes in a deadlock: say so first.
    if (st->deadlock) note = "DEADLOCKED (corralctl waits --service " + st->name + ")" + (note.empty() ? "" : "; " + note);
    std::string pid = st->pid > 0 ? std::to_string(st->pid) : "-";
    std::printf("%-20s %-9s %8s %8d %9s  %s\n", st->name.c_str(), st->state.c_str(), pid.c_str(), st->restarts,
                uptime_text(st->uptime_s).c_str(), note.c_str());
  }
}

void print_json(const json& j) {
  std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

// One request whose reply is a list of service statuses.
int status_like(Context& ctx, Command cmd, const std::vector<std::string>& names, bool no_block = false) {
  protocol::Request req;
  req.command = cmd;
  req.names = names;
  req.no_block = no_block;
  // status --json prints the list as it arrives (unless the reply is not one).
  auto line = call_line_or_print_list(req, ctx, ctx.json && cmd == Command::Status);
  if (!line) return ctx.exit_code;
  auto resp = decode_reply(*line, ctx);
  if (!resp) return ctx.exit_code;
  if (ctx.json) print_json(resp->data);
  else print_status_table(resp->data);
  // A service that failed to start makes `start` fail, with the reason above.
  if (cmd == Command::Start || cmd == Command::Restart) {
    for (const auto& row : resp->data)
      if (row.value("state", "") == "fatal" || row.value("state", "") == "backoff" ||
          (!no_block && row.value("state", "") == "exited" && !row.value("error", "").empty()))
        return ctx.exit_code = kExitFailed;
  }
  return ctx.exit_code = kExitOk;
}

struct ServiceArgs {
  std::vector<std::string> names;
  std::string name, signal;
  int lines = 10;
  bool follow = false;
  bool no_block = false;
  std::vector<std::string> argv;
};

}  // namespace

void register_service_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ServiceArgs>();

  auto* status = app.add_subcommand("status", "state of the supervised services (all, or the NAMEs given)");
  status->add_option("names", args->names, "service names (NAME covers NAME@0, NAME@1, ...)");
  status->callback([&ctx, args] { status_like(ctx, Command::Status, args->names); });

  struct Simple {
    const char* name;
    const char* help;
    Command cmd;
  };
  for (const Simple& s : {Simple{"start", "start services and what they require (replies once ready)", Command::Start},
                          Simple{"stop", "stop services (replies once their processes are gone)", Command::Stop},
                          Simple{"restart", "stop, then start services (replies once ready again)", Command::Restart}}) {
    auto* sub = app.add_subcommand(s.name, s.help);
    sub->add_option("names", args->names, "service names")->required();
    Command cmd = s.cmd;
    if (cmd != Command::Stop)
      sub->add_flag("--no-block", args->no_block, "reply once launched, without waiting for readiness");
    sub->callback([&ctx, args, cmd] { status_like(ctx, cmd, args->names, args->no_block); });
  }

  auto* sig = app.add_subcommand("signal", "send a signal to a service's main process");
  sig->add_option("name", args->name, "service name")->required();
  sig->add_option("signal", args->signal, "TERM, SIGHUP, 9, ...")->required();
  sig->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::Signal;
    req.names = {args->name};
    req.signal = args->signal;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json(resp->data);
    else
      for (const auto& r : resp->data)
        std::printf("%s: sent %s to pid %d\n", r.value("name", "").c_str(), r.value("signal", "").c_str(),
                    r.value("pid", 0));
    ctx.exit_code = kExitOk;
  });

  auto* reload = app.add_subcommand("reload", "re-read the config and apply only the difference");
  reload->callback([&ctx] {
    protocol::Request req;
    req.command = Command::Reload;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) {
      print_json(resp->data);
    } else {
      auto list = [](const json& a) {
        std::string s;
        for (const auto& n : a) s += (s.empty() ? "" : " ") + n.get<std::string>();
        return s.empty() ? std::string("-") : s;
      };
      std::printf("added:     %s\nremoved:   %s\nchanged:   %s\nunchanged: %d\n",
                  list(resp->data.value("added", json::array())).c_str(),
                  list(resp->data.value("removed", json::array())).c_str(),
                  list(resp->data.value("changed", json::array())).c_str(), resp->data.value("unchanged", 0));
    }
    ctx.exit_code = kExitOk;
  });

  auto* logs = app.add_subcommand("logs", "a service's log (stdout and stderr)");
  logs->add_option("name", args->name, "service name (an instance: NAME@i)")->required();
  logs->add_option("-n,--lines", args->lines, "how many lines from the end")->capture_default_str();
  logs->add_flag("-f,--follow", args->follow, "keep printing new output until interrupted");
  logs->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::Logs;
    req.names = {args->name};
    req.lines = args->lines;
    req.follow = args->follow;
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
    std::string text = resp->data.value("text", "");
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    ctx.exit_code = kExitOk;
    while (args->follow) {
      auto line = conn->read_line();
      if (!line) break;
      auto chunk = protocol::decode_log_chunk(*line);
      if (!chunk) {
        std::fprintf(stderr, "corralctl: %s\n", chunk.error().message.c_str());
        ctx.exit_code = kExitFailed;
        break;
      }
      std::fwrite(chunk->data(), 1, chunk->size(), stdout);
      std::fflush(stdout);
    }
  });

  auto* run = app.add_subcommand("run", "start an ad-hoc supervised process: run [--name N] -- CMD ARGS...");
  run->add_option("--name", args->name, "service name (default run-N)");
  run->add_option("command", args->argv, "the command and its arguments")->required();
  run->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::Run;
    req.argv = args->argv;
    req.name = args->name;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json(resp->data);
    else print_status_table(resp->data);
    ctx.exit_code = kExitOk;
    for (const auto& row : resp->data)
      if (row.value("pid", 0) <= 0) ctx.exit_code = kExitFailed;
  });

  auto* shutdown = app.add_subcommand("shutdown", "stop every service, then corrald itself");
  shutdown->callback([&ctx] {
    protocol::Request req;
    req.command = Command::Shutdown;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json(resp->data);
    else std::printf("corrald stopped every service and is exiting\n");
    ctx.exit_code = kExitOk;
  });
}

}  // namespace corral::ctl
