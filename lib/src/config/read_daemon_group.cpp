// SPDX-License-Identifier: Apache-2.0
// The [daemon] and [group.NAME] tables.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "read_tables.hpp"

namespace corral::config::detail {

bool valid_unit_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.';
    if (!ok) return false;
  }
  return true;
}

void read_daemon(ErrorSink& sink, const toml::table& table, DaemonConfig& out,
                 std::map<std::string, toml::source_region>& seen_keys) {
  TableReader r(sink, table, "daemon",
                {"socket", "log_dir", "state_dir", "log_max_size", "log_keep", "fair_share", "fair_share_interval",
                 "deadlock_check", "deadlock_action", "rescan_interval", "cgroup_name", "metrics_listen",
                 "socket_group"});
  for (auto&& [key, value] : table) {
    std::string k(key.str());
    auto [it, fresh] = seen_keys.emplace(k, value.source());
    if (!fresh)
      r.error(value, k, "already set at " + place_text(it->second) + " (a [daemon] key may be set only once)");
  }
  for (const char* key : {"socket", "log_dir", "state_dir"}) {
    auto v = r.string(key);
    if (!v) continue;
    if (v->empty()) {
      r.error(*r.node(key), key, "must not be empty");
      continue;
    }
    std::string path = resolve_path(*r.node(key), *v);
    if (std::string_view(key) == "socket") out.socket = path;
    else if (std::string_view(key) == "log_dir") out.log_dir = path;
    else out.state_dir = path;
  }
  if (auto v = r.size("log_max_size")) {
    if (*v == 0) r.error(*r.node("log_max_size"), "log_max_size", "must be larger than 0");
    else out.log_max_size = *v;
  }
  if (auto v = r.integer("log_keep", 0, 1000)) out.log_keep = static_cast<unsigned>(*v);
  if (auto v = r.choice<FairShare>("fair_share",
                                   {{"cgroup", FairShare::Cgroup}, {"nice", FairShare::Nice}, {"off", FairShare::Off}}))
    out.fair_share = *v;
  if (auto v = r.duration("fair_share_interval", true)) out.fair_share_interval = *v;
  // "off" (or false) spells out the default: no periodic check.
  const toml::node* dc = r.node("deadlock_check");
  bool off = dc && ((dc->is_string() && dc->as_string()->get() == "off") ||
                    (dc->is_boolean() && !dc->as_boolean()->get()));
  if (off) out.deadlock_check.reset();
  else if (auto v = r.duration("deadlock_check", true)) out.deadlock_check = *v;
  if (auto v = r.choice<DeadlockAction>(
          "deadlock_action", {{"log", DeadlockAction::Log}, {"restart-victim", DeadlockAction::RestartVictim}}))
    out.deadlock_action = *v;
  if (auto v = r.duration("rescan_interval", true)) out.rescan_interval = *v;
  if (auto v = r.string("cgroup_name")) {
    if (!valid_unit_name(*v)) r.error(*r.node("cgroup_name"), "cgroup_name", "must be a plain name (no '/', not starting with '.')");
    else out.cgroup_name = *v;
  }
  read_metrics_listen(r, out);
  read_socket_group(r, out);
}

GroupConfig read_group(ErrorSink& sink, const std::string& name, const toml::table& table) {
  TableReader r(sink, table, "group." + name, {"weight", "cpu_max", "memory_max", "pids_max", "cpus"});
  GroupConfig g;
  g.name = name;
  if (auto v = r.integer("weight", 1, 10000)) g.weight = static_cast<unsigned>(*v);

  if (const toml::node* n = r.node("cpu_max")) {
    auto s = n->as_string();
    if (!s) {
      r.type_error(*n, "cpu_max", "a string (a percentage of one CPU like \"150%\", or \"max\")");
    } else if (s->get() != "max") {
      const std::string& text = s->get();
      bool shape = text.size() >= 2 && text.back() == '%' &&
                   text.find_first_not_of("0123456789.") == text.size() - 1 &&
                   std::count(text.begin(), text.end(), '.') <= 1 && text.front() != '.';
      double pct = shape ? std::strtod(text.c_str(), nullptr) : 0;
      if (!shape || !(pct > 0) || pct > 1e6)
        r.error(*n, "cpu_max",
                "expected a percentage of one CPU like \"150%\" (1.5 CPUs), or \"max\", got \"" + text + "\"");
      else
        g.cpu_max = pct / 100.0;
    }
  }
  if (const toml::node* n = r.node("memory_max")) {
    auto s = n->as_string();
    if (!(s && s->get() == "max")) {
      if (auto v = r.size("memory_max")) {
        if (*v == 0) r.error(*n, "memory_max", "must be larger than 0 (or \"max\")");
        else g.memory_max = *v;
      }
    }
  }
  if (const toml::node* n = r.node("pids_max")) {
    auto s = n->as_string();
    if (s && s->get() == "max") {
      // no limit
    } else if (s) {
      r.error(*n, "pids_max", "expected a number of processes or \"max\", got \"" + s->get() + "\"");
    } else if (auto v = r.integer("pids_max", 1, 4194304)) {
      g.pids_max = static_cast<std::uint64_t>(*v);
    }
  }
  if (auto v = r.cpu_list("cpus")) g.cpus = std::move(*v);
  return g;
}

}  // namespace corral::config::detail
