// SPDX-License-Identifier: Apache-2.0
#include "corral/persist/state.hpp"

#include <nlohmann/json.hpp>

#include "json_field_reader.hpp"
#include "state_fast_decode.hpp"

namespace corral::persist {

using nlohmann::json;

std::string_view intent_name(Intent i) {
  switch (i) {
    case Intent::Started: return "started";
    case Intent::StoppedByHand: return "stopped";
    case Intent::Suspended: return "suspended";
  }
  return "?";
}

std::optional<Intent> parse_intent(std::string_view s) {
  if (s == "started") return Intent::Started;
  if (s == "stopped") return Intent::StoppedByHand;
  if (s == "suspended") return Intent::Suspended;
  return std::nullopt;
}

namespace {

json exit_to_json(const ExitEntry& e) {
  return json{{"time_ms", e.wall_time_ms}, {"code", e.code},           {"signal", e.signal},
              {"core", e.core_dumped},     {"launch_failed", e.launch_failed}, {"description", e.description},
              {"run_ms", e.run_time_ms}};
}

json record_to_json(const ServiceRecord& r) {
  json hist = json::array();
  for (const auto& e : r.history) hist.push_back(exit_to_json(e));
  return json{{"name", r.name},
              {"intent", intent_name(r.intent)},
              {"state", r.state},
              {"pid", r.pid},
              {"start_time", r.start_time},
              {"pgid", r.pgid},
              {"cgroup", r.cgroup},
              {"restarts", r.restarts},
              {"failures", r.failures},
              {"recent_starts_ms", r.recent_starts_ms},
              {"history", std::move(hist)},
              {"config_hash", r.config_hash},
              {"transient", r.transient}};
}

void read_exit(JsonFieldReader& rd, const json& j, const std::string& where, ExitEntry& e) {
  if (!j.is_object()) return rd.fail(where + ": expected an object");
  rd.integer(j, "time_ms", where + ".", e.wall_time_ms);
  rd.integer(j, "code", where + ".", e.code);
  rd.integer(j, "signal", where + ".", e.signal);
  rd.boolean(j, "core", where + ".", e.core_dumped);
  rd.boolean(j, "launch_failed", where + ".", e.launch_failed);
  rd.string(j, "description", where + ".", e.description);
  rd.integer(j, "run_ms", where + ".", e.run_time_ms);
}

void read_record(JsonFieldReader& rd, const json& j, const std::string& where, ServiceRecord& r) {
  if (!j.is_object()) return rd.fail(where + ": expected an object");
  const std::string w = where + ".";
  rd.string(j, "name", w, r.name);
  if (rd.ok() && r.name.empty()) rd.fail(w + "name: must not be empty");
  std::string intent;
  rd.string(j, "intent", w, intent);
  if (rd.ok()) {
    if (auto i = parse_intent(intent)) r.intent = *i;
    else rd.fail(w + "intent: expected \"started\", \"stopped\" or \"suspended\", got \"" + intent + "\"");
  }
  rd.string(j, "state", w, r.state);
  rd.integer(j, "pid", w, r.pid);
  if (rd.ok() && r.pid < 0) rd.fail(w + "pid: must not be negative");
  rd.integer(j, "start_time", w, r.start_time);
  rd.integer(j, "pgid", w, r.pgid);
  rd.string(j, "cgroup", w, r.cgroup);
  rd.integer(j, "restarts", w, r.restarts);
  rd.integer(j, "failures", w, r.failures);
  if (const json* rs = rd.field(j, "recent_starts_ms", w)) {
    if (!rs->is_array()) {
      rd.fail(w + "recent_starts_ms: expected an array");
    } else {
      for (const auto& t : *rs) {
        if (!t.is_number_integer()) {
          rd.fail(w + "recent_starts_ms: expected integers");
          break;
        }
        r.recent_starts_ms.push_back(t.get<std::int64_t>());
      }
    }
  }
  if (const json* h = rd.field(j, "history", w)) {
    if (!h->is_array()) {
      rd.fail(w + "history: expected an array");
    } else {
      for (std::size_t i = 0; i < h->size() && rd.ok(); ++i) {
        ExitEntry e;
        read_exit(rd, (*h)[i], w + "history[" + std::to_string(i) + "]", e);
        r.history.push_back(std::move(e));
      }
    }
  }
  rd.string(j, "config_hash", w, r.config_hash);
  rd.boolean(j, "transient", w, r.transient);
}

}  // namespace

std::string encode(const DaemonState& state) {
  // One record per line: a human can read (and diff) the file.
  json head{{"format", kFormat},
            {"written_ms", state.written_ms},
            {"daemon_pid", state.daemon_pid},
            {"boot_id_hash", state.boot_id_hash}};
  std::string out = head.dump();
  out.pop_back();  // the closing brace: the services array follows
  out += ",\"services\":[";
  for (std::size_t i = 0; i < state.services.size(); ++i) {
    out += i ? ",\n" : "\n";
    out += record_to_json(state.services[i]).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  out += "\n]}\n";
  return out;
}

Result<DaemonState> decode(std::string_view text) {
  if (auto fast = detail::decode_fast(text)) return std::move(*fast);  // the file as corrald writes it
  return detail::decode_tree(text);
}

Result<DaemonState> detail::decode_tree(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Error::logic("not a complete JSON document (torn or corrupt)", EINVAL);
  if (!j.is_object()) return Error::logic("expected a JSON object", EINVAL);
  JsonFieldReader rd;
  DaemonState st;
  rd.integer(j, "format", "", st.format);
  if (!rd.ok()) return Error::logic(rd.error(), EINVAL);
  if (st.format < 1 || st.format > kFormat)
    return Error::logic("format " + std::to_string(st.format) + " is not one this corrald reads (1.." +
                            std::to_string(kFormat) + ")",
                        EINVAL);
  rd.integer(j, "written_ms", "", st.written_ms);
  rd.integer(j, "daemon_pid", "", st.daemon_pid);
  rd.integer(j, "boot_id_hash", "", st.boot_id_hash);
  if (const json* s = rd.field(j, "services", "")) {
    if (!s->is_array()) {
      rd.fail("services: expected an array");
    } else {
      for (std::size_t i = 0; i < s->size() && rd.ok(); ++i) {
        ServiceRecord r;
        read_record(rd, (*s)[i], "services[" + std::to_string(i) + "]", r);
        st.services.push_back(std::move(r));
      }
    }
  }
  if (!rd.ok()) return Error::logic(rd.error(), EINVAL);
  st.format = kFormat;
  return st;
}

}  // namespace corral::persist
