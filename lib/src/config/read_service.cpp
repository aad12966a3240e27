// SPDX-License-Identifier: Apache-2.0
// The [service.NAME] table, with its sched and affinity sub-tables.
#include <algorithm>

#include "corral/base/signals.hpp"
#include "read_tables.hpp"

namespace corral::config::detail {
namespace {

void read_command(const TableReader& r, const toml::table& table, ServiceConfig& s) {
  const toml::node* n = r.node("command");
  if (!n) {
    r.error(table, "command", "missing (every service needs a command: an argv array or a string)");
    return;
  }
  if (auto str = n->as_string()) {
    if (r.has_nul(*n, "command")) return;
    auto words = split_command(str->get());
    if (!words.ok()) r.error(*n, "command", words.error().message);
    else s.argv = std::move(*words);
    return;
  }
  auto arr = n->as_array();
  if (!arr) {
    r.type_error(*n, "command", "an array of strings or a string");
    return;
  }
  if (arr->empty()) {
    r.error(*n, "command", "must not be empty");
    return;
  }
  std::vector<std::string> argv;
  bool good = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    std::string key = "command[" + std::to_string(i) + "]";
    if (auto es = e.as_string()) {
      if (r.has_nul(e, key)) good = false;
      argv.push_back(es->get());
    } else {
      r.type_error(e, key, "a string");
      good = false;
    }
  }
  if (good && argv[0].empty()) {
    r.error(*arr->get(0), "command[0]", "the program name must not be empty");
    good = false;
  }
  if (good) s.argv = std::move(argv);
}

void read_env(const TableReader& r, ServiceConfig& s) {
  const toml::table* env = r.table("env");
  if (!env) return;
  for (auto&& [key, value] : *env) {
    std::string k(key.str());
    std::string name = "env." + k;
    if (k.empty() || k.find('=') != std::string::npos) {
      r.error(value, name, "an environment variable name must be non-empty and contain no '='");
      continue;
    }
    if (auto v = value.as_string()) {
      if (!r.has_nul(value, name)) s.env[k] = v->get();
    } else {
      r.type_error(value, name, "a string");
    }
  }
}

void read_umask(const TableReader& r, ServiceConfig& s) {
  const toml::node* n = r.node("umask");
  if (!n) return;
  if (auto i = n->as_integer()) {
    if (i->get() < 0 || i->get() > 0777)
      r.error(*n, "umask", "expected a mode from 0 to 0o777, got " + std::to_string(i->get()));
    else
      s.umask = static_cast<mode_t>(i->get());
    return;
  }
  if (auto str = n->as_string()) {
    const std::string& t = str->get();
    bool octal = !t.empty() && t.size() <= 4 && t.find_first_not_of("01234567") == std::string::npos;
    unsigned long v = octal ? std::stoul(t, nullptr, 8) : 01000;
    if (!octal || v > 0777) r.error(*n, "umask", "expected octal digits like \"027\", got \"" + t + "\"");
    else s.umask = static_cast<mode_t>(v);
    return;
  }
  r.type_error(*n, "umask", "a string of octal digits like \"027\" or an integer like 0o027");
}

void read_after(const TableReader& r, ServiceConfig& s) {
  const toml::node* n = r.node("after");
  if (!n) return;
  auto arr = n->as_array();
  if (!arr) {
    r.type_error(*n, "after", "an array of service names");
    return;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    if (auto es = e.as_string()) {
      if (std::find(s.after.begin(), s.after.end(), es->get()) == s.after.end()) s.after.push_back(es->get());
    } else {
      r.type_error(e, "after[" + std::to_string(i) + "]", "a service name (string)");
    }
  }
}

void read_sched(ErrorSink& sink, const TableReader& parent, ServiceConfig& s) {
  const toml::table* t = parent.table("sched");
  if (!t) return;
  TableReader r(sink, *t, parent.path() + ".sched", {"policy", "priority", "nice", "runtime", "deadline", "period"});
  SchedConfig c;
  bool good = true;
  if (auto p = r.string("policy")) {
    auto policy = sched::parse_policy(*p);
    if (!policy) {
      r.error(*r.node("policy"), "policy",
              "expected \"other\", \"batch\", \"idle\", \"fifo\", \"rr\" or \"deadline\", got \"" + *p + "\"");
      good = false;
    } else {
      c.policy = *policy;
    }
  } else if (r.node("policy")) {
    good = false;
  }
  using sched::Policy;
  bool rt = c.policy == Policy::Fifo || c.policy == Policy::RoundRobin;
  bool dl = c.policy == Policy::Deadline;
  std::string pol(sched::to_string(c.policy));

  if (const toml::node* n = r.node("priority")) {
    if (!rt) {
      r.error(*n, "priority", "only policies \"fifo\" and \"rr\" take a priority (policy is \"" + pol + "\")");
      good = false;
    } else if (auto v = r.integer("priority", 1, 99)) {
      c.priority = static_cast<unsigned>(*v);
    } else {
      good = false;
    }
  } else if (rt && good) {
    r.error(*t, "priority", "policy \"" + pol + "\" needs a priority from 1 to 99");
    good = false;
  }
  if (const toml::node* n = r.node("nice")) {
    if (rt || dl) {
      r.error(*n, "nice",
              "nice applies only to policies \"other\", \"batch\" and \"idle\" (policy is \"" + pol + "\")");
      good = false;
    } else if (auto v = r.integer("nice", -20, 19)) {
      c.nice = static_cast<int>(*v);
    } else {
      good = false;
    }
  }
  for (const char* key : {"runtime", "deadline", "period"}) {
    const toml::node* n = r.node(key);
    if (!n) continue;
    if (!dl) {
      r.error(*n, key, "only policy \"deadline\" takes " + std::string(key) + " (policy is \"" + pol + "\")");
      good = false;
      continue;
    }
    auto v = r.duration(key, true);
    if (!v) {
      good = false;
      continue;
    }
    if (std::string_view(key) == "runtime") c.runtime = *v;
    else if (std::string_view(key) == "deadline") c.deadline = *v;
    else c.period = *v;
  }
  if (dl && good) {
    if (!r.node("runtime") || !r.node("deadline")) {
      r.error(*t, r.node("runtime") ? "deadline" : "runtime", "policy \"deadline\" needs runtime and deadline");
      good = false;
    } else {
      if (c.period.count() == 0) c.period = c.deadline;  // the kernel's rule for period 0
      if (c.runtime > c.deadline) {
        r.error(*r.node("runtime"), "runtime",
                "must not exceed deadline (" + format_duration(c.runtime) + " > " + format_duration(c.deadline) + ")");
        good = false;
      } else if (c.deadline > c.period) {
        r.error(*r.node("period"), "period",
                "must not be shorter than deadline (" + format_duration(c.period) + " < " +
                    format_duration(c.deadline) + ")");
        good = false;
      } else if (c.runtime < std::chrono::microseconds(1)) {
        r.error(*r.node("runtime"), "runtime", "must be at least 1us (the kernel's minimum is 1024ns)");
        good = false;
      }
    }
  }
  if (good) s.sched = c;
}

void read_affinity(ErrorSink& sink, const TableReader& parent, ServiceConfig& s) {
  const toml::table* t = parent.table("affinity");
  if (!t) return;
  TableReader r(sink, *t, parent.path() + ".affinity", {"cpus", "threads"});
  AffinityConfig a;
  if (auto v = r.cpu_list("cpus")) a.cpus = std::move(*v);
  if (auto v = r.choice<ThreadPlacement>("threads", {{"spread", ThreadPlacement::Spread},
                                                     {"compact", ThreadPlacement::Compact},
                                                     {"none", ThreadPlacement::None}}))
    a.threads = *v;
  s.affinity = std::move(a);
}

}  // namespace

ServiceTemplate read_service(ErrorSink& sink, const std::string& name, const toml::table& table) {
  std::vector<std::string_view> known{
      "command", "env", "cwd", "user", "unix_group", "umask", "autostart", "restart", "start_secs",
      "backoff_initial", "backoff_max", "start_limit_burst", "start_limit_interval", "stop_signal",
      "stop_timeout", "instances", "after", "group", "sched", "affinity", "log_max_size", "log_keep",
      "notify", "ready_probe", "health_probe", "start_timeout", "watchdog", "watchdog_signal", "requires",
      "parent_death_signal"};
  known.insert(known.end(), std::begin(kHardeningKeys), std::end(kHardeningKeys));
  TableReader r(sink, table, "service." + name, std::move(known));
  ServiceTemplate tpl;
  tpl.table = &table;
  ServiceConfig& s = tpl.config;
  s.name = name;
  s.template_name = name;

  read_command(r, table, s);
  read_env(r, s);
  if (auto v = r.string("cwd")) {
    if (v->empty()) r.error(*r.node("cwd"), "cwd", "must not be empty (leave it out to inherit)");
    else s.cwd = resolve_path(*r.node("cwd"), *v);
  }
  s.user = r.name_or_id("user");
  s.unix_group = r.name_or_id("unix_group");
  read_umask(r, s);
  if (auto v = r.boolean("autostart")) s.autostart = *v;
  if (auto v = r.choice<Restart>(
          "restart", {{"no", Restart::No}, {"on-failure", Restart::OnFailure}, {"always", Restart::Always}}))
    s.restart = *v;
  if (auto v = r.duration("start_secs")) s.start_secs = *v;
  if (auto v = r.duration("backoff_initial")) s.backoff_initial = *v;
  if (auto v = r.duration("backoff_max")) s.backoff_max = *v;
  if (s.backoff_initial > s.backoff_max) {
    const toml::node* at = r.node("backoff_max") ? r.node("backoff_max") : r.node("backoff_initial");
    r.error(*at, at == r.node("backoff_max") ? "backoff_max" : "backoff_initial",
            "backoff_initial (" + format_duration(s.backoff_initial) + ") must not exceed backoff_max (" +
                format_duration(s.backoff_max) + ")");
  }
  if (auto v = r.integer("start_limit_burst", 1, 1000000)) s.start_limit_burst = static_cast<unsigned>(*v);
  if (auto v = r.duration("start_limit_interval", true)) s.start_limit_interval = *v;
  if (const toml::node* n = r.node("stop_signal")) {
    std::optional<std::string> text;
    if (auto str = n->as_string()) text = str->get();
    else if (auto i = n->as_integer()) text = std::to_string(i->get());
    if (!text) {
      r.type_error(*n, "stop_signal", "a signal name like \"TERM\" or a number");
    } else if (std::optional<int> sig = corral::parse_signal(*text)) {
      s.stop_signal = *sig;
    } else {
      r.error(*n, "stop_signal",
              "unknown signal \"" + *text + "\" (expected a name like \"TERM\" or \"SIGINT\", or a number)");
    }
  }
  if (auto v = r.duration("stop_timeout")) s.stop_timeout = *v;
  read_parent_death_signal(r, s);
  if (auto v = r.integer("instances", 1, 1000)) tpl.instances = static_cast<unsigned>(*v);
  read_after(r, s);
  if (auto v = r.string("group")) {
    if (!valid_unit_name(*v)) r.error(*r.node("group"), "group", "\"" + *v + "\" is not a valid group name");
    else s.group = *v;
  }
  read_sched(sink, r, s);
  read_affinity(sink, r, s);
  read_readiness(sink, r, s);
  read_hardening(r, s);
  if (auto v = r.size("log_max_size")) {
    if (*v == 0) r.error(*r.node("log_max_size"), "log_max_size", "must be larger than 0");
    else tpl.log_max_size = *v;
  }
  if (auto v = r.integer("log_keep", 0, 1000)) tpl.log_keep = static_cast<unsigned>(*v);
  return tpl;
}

}  // namespace corral::config::detail
