// SPDX-License-Identifier: Apache-2.0
#include "corral/protocol/protocol.hpp"

#include <array>
#include <limits>
#include <type_traits>
#include <utility>

#include "corral/protocol/json_text.hpp"

namespace corral::protocol {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Command, std::string_view>, 27> kCommands{{
    {Command::Status, "status"},
    {Command::Show, "show"},
    {Command::Start, "start"},
    {Command::Stop, "stop"},
    {Command::Restart, "restart"},
    {Command::Signal, "signal"},
    {Command::Reload, "reload"},
    {Command::Logs, "logs"},
    {Command::Run, "run"},
    {Command::Shutdown, "shutdown"},
    {Command::Suspend, "suspend"},
    {Command::Resume, "resume"},
    {Command::Groups, "groups"},
    {Command::Version, "version"},
    {Command::SyscallsLearned, "syscalls-learned"},
    {Command::Metrics, "metrics"},
    {Command::Events, "events"},
    {Command::DaemonReexec, "daemon-reexec"},
    {Command::Submit, "submit"},
    {Command::Jobs, "jobs"},
    {Command::JobShow, "job-show"},
    {Command::JobWait, "job-wait"},
    {Command::JobCancel, "job-cancel"},
    {Command::JobLogs, "job-logs"},
    {Command::QueueList, "queue-list"},
    {Command::QueuePause, "queue-pause"},
    {Command::QueueResume, "queue-resume"},
}};

// The nesting depth of a JSON text, counting brackets outside strings; stops
// counting once past `limit`. Malformed text is left to the parser.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    switch (ch) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > deepest && (deepest = depth) > limit) return deepest;
        break;
      case ']':
      case '}':
        --depth;
        break;
      default: break;
    }
  }
  return deepest;
}

// Requests are capped (the daemon must bound what a client makes it hold);
// replies are not (a status of many services is longer than a request may be).
Result<json> parse_object(std::string_view line, std::size_t cap = kMaxLine) {
  if (line.size() > cap) return Error::logic("request longer than " + std::to_string(kMaxLine) + " bytes", E2BIG);
  if (nesting_depth(line, kMaxJsonDepth) > kMaxJsonDepth)
    return Error::logic("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels", EBADMSG);
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return Error::logic("malformed JSON", EBADMSG);
  if (!j.is_object()) return Error::logic("expected a JSON object", EBADMSG);
  if (j.contains("v")) {
    if (!j["v"].is_number_integer()) return Error::logic("field v: expected an integer", EBADMSG);
    int v = j["v"].get<int>();
    if (v != kVersion)
      return Error::logic("protocol version " + std::to_string(v) + " not supported (this side speaks " +
                              std::to_string(kVersion) + ")",
                          EPROTO);
  }
  return j;
}

// Typed field readers: a wrong type is a clear error naming the field.
Status read_string(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) return Error::logic(std::string("field ") + key + ": expected a string", EBADMSG);
  out = it->get<std::string>();
  return {};
}

Status read_strings(const json& j, const char* key, std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_array()) return Error::logic(std::string("field ") + key + ": expected an array of strings", EBADMSG);
  for (const auto& e : *it) {
    if (!e.is_string()) return Error::logic(std::string("field ") + key + ": expected an array of strings", EBADMSG);
    out.push_back(e.get<std::string>());
  }
  return {};
}

template <typename T>
Status read_number(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if constexpr (std::is_integral_v<T>) {
    // Range-checked: a huge or fractional number must not turn into undefined behaviour.
    if (!it->is_number_integer() || it->template get<long long>() < std::numeric_limits<T>::min() ||
        it->template get<long long>() > std::numeric_limits<T>::max())
      return Error::logic(std::string("field ") + key + ": expected an integer in range", EBADMSG);
  } else {
    if (!it->is_number()) return Error::logic(std::string("field ") + key + ": expected a number", EBADMSG);
  }
  out = it->template get<T>();
  return {};
}

Status read_bool(const json& j, const char* key, bool& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_boolean()) return Error::logic(std::string("field ") + key + ": expected true or false", EBADMSG);
  out = it->get<bool>();
  return {};
}

}  // namespace

std::string_view command_name(Command c) {
  for (const auto& [cmd, name] : kCommands)
    if (cmd == c) return name;
  return "?";
}

std::optional<Command> parse_command(std::string_view s) {
  for (const auto& [cmd, name] : kCommands)
    if (name == s) return cmd;
  return std::nullopt;
}

bool changes_state(Command c) {
  switch (c) {
    case Command::Status:
    case Command::Show:
    case Command::Logs:
    case Command::Version:
    case Command::Groups:
    case Command::SyscallsLearned:
    case Command::Metrics:
    case Command::Events:
      return false;
    // Any user may queue work; the queue runner lets a non-privileged peer see
    // and cancel only its own jobs.
    case Command::Submit:
    case Command::Jobs:
    case Command::JobShow:
    case Command::JobWait:
    case Command::JobCancel:
    case Command::JobLogs:
    case Command::QueueList:
      return false;
    default:
      return true;
  }
}

json to_json(const ServiceStatus& s) {
  return json{{"name", s.name},         {"state", s.state},         {"pid", s.pid},     {"restarts", s.restarts},
              {"uptime_s", s.uptime_s}, {"last_exit", s.last_exit}, {"error", s.error},
              {"deadlock", s.deadlock}, {"ready", s.ready}, {"health", s.health},
              {"status_text", s.status_text}};
}

Result<ServiceStatus> status_from_json(const json& j) {
  if (!j.is_object()) return Error::logic("status entry: expected an object", EBADMSG);
  ServiceStatus s;
  Status st;
  if (!(st = read_string(j, "name", s.name))) return st.error();
  if (!(st = read_string(j, "state", s.state))) return st.error();
  if (!(st = read_number(j, "pid", s.pid))) return st.error();
  if (!(st = read_number(j, "restarts", s.restarts))) return st.error();
  if (!(st = read_number(j, "uptime_s", s.uptime_s))) return st.error();
  if (!(st = read_string(j, "last_exit", s.last_exit))) return st.error();
  if (!(st = read_string(j, "error", s.error))) return st.error();
  if (auto it = j.find("deadlock"); it != j.end()) {  // optional: older daemons do not send it
    if (!it->is_boolean()) return Error::logic("status entry: \"deadlock\" must be true or false", EBADMSG);
    s.deadlock = it->get<bool>();
  }
  s.ready = s.state == "running";  // what an older daemon's "running" meant
  if (!(st = read_bool(j, "ready", s.ready))) return st.error();
  if (!(st = read_string(j, "health", s.health))) return st.error();
  if (!(st = read_string(j, "status_text", s.status_text))) return st.error();
  return s;
}

std::string dump_line(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  s += '\n';
  return s;
}

std::string encode(const Request& r) {
  json j{{"v", r.version}, {"cmd", command_name(r.command)}};
  if (!r.names.empty()) j["names"] = r.names;
  if (!r.signal.empty()) j["signal"] = r.signal;
  if (r.command == Command::Logs) {
    j["lines"] = r.lines;
    j["follow"] = r.follow;
  }
  if (!r.argv.empty()) j["argv"] = r.argv;
  if (!r.name.empty()) j["name"] = r.name;
  if (r.no_block) j["no_block"] = true;
  if (r.args.is_object() && !r.args.empty()) j["args"] = r.args;
  if (r.command == Command::JobLogs) {
    j["lines"] = r.lines;
    j["follow"] = r.follow;
  }
  return dump_line(j);
}

std::string encode(const Response& r) {
  json j{{"v", r.version}, {"ok", r.ok}};
  if (!r.ok) j["error"] = r.error;
  if (!r.data.is_null()) j["data"] = r.data;
  return dump_line(j);
}

std::string encode_log_chunk(std::string_view text) {
  return dump_line(json{{"v", kVersion}, {"log", text}});
}

Result<Request> decode_request(std::string_view line) {
  auto parsed = parse_object(line);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  Request r;
  std::string cmd;
  if (Status st = read_string(j, "cmd", cmd); !st) return st.error();
  if (cmd.empty()) return Error::logic("field cmd: missing", EBADMSG);
  auto c = parse_command(cmd);
  if (!c) return Error::logic("unknown command '" + cmd + "'", EBADMSG);
  r.command = *c;
  Status st;
  if (!(st = read_strings(j, "names", r.names))) return st.error();
  if (!(st = read_string(j, "signal", r.signal))) return st.error();
  if (!(st = read_number(j, "lines", r.lines))) return st.error();
  if (!(st = read_bool(j, "follow", r.follow))) return st.error();
  if (!(st = read_strings(j, "argv", r.argv))) return st.error();
  if (!(st = read_string(j, "name", r.name))) return st.error();
  if (!(st = read_bool(j, "no_block", r.no_block))) return st.error();
  if (auto it = j.find("args"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Error::logic("field args: expected an object", EBADMSG);
    r.args = *it;
  }
  if (r.lines < 0) return Error::logic("field lines: must not be negative", EBADMSG);
  return r;
}

Result<Response> decode_response(std::string_view line) {
  auto parsed = parse_object(line, std::string_view::npos);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  Response r;
  if (Status st = read_bool(j, "ok", r.ok); !st) return st.error();
  if (!j.contains("ok")) return Error::logic("field ok: missing", EBADMSG);
  if (Status st = read_string(j, "error", r.error); !st) return st.error();
  if (auto it = j.find("data"); it != j.end()) r.data = *it;
  return r;
}

Result<std::string> decode_log_chunk(std::string_view line) {
  auto parsed = parse_object(line, std::string_view::npos);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  if (j.contains("ok") && j["ok"].is_boolean() && !j["ok"].get<bool>()) {
    std::string e;
    (void)read_string(j, "error", e);
    return Error::logic(e.empty() ? "the daemon ended the stream" : e);
  }
  std::string text;
  if (Status st = read_string(j, "log", text); !st) return st.error();
  return text;
}

}  // namespace corral::protocol
