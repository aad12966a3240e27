// SPDX-License-Identifier: Apache-2.0
#include "corral/persist/fingerprint.hpp"

#include <cstdio>

namespace corral::persist {

std::uint64_t fnv1a64(std::string_view data) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {

// Every field, each with a name and a length prefix so that no two configs
// give the same text. The instance name is left out: it is the record's key.
class Canon {
 public:
  void put(std::string_view key, std::string_view value) {
    out_ += key;
    out_ += '=';
    out_ += std::to_string(value.size());
    out_ += ':';
    out_ += value;
    out_ += ';';
  }
  void put(std::string_view key, long long v) { put(key, std::to_string(v)); }
  void put(std::string_view key, config::Duration d) { put(key, static_cast<long long>(d.count())); }
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace

std::string config_fingerprint(const config::ServiceConfig& c) {
  Canon k;
  k.put("template", c.template_name);
  k.put("argc", static_cast<long long>(c.argv.size()));
  for (const auto& a : c.argv) k.put("arg", a);
  for (const auto& [n, v] : c.env) k.put("env", n + "=" + v);
  k.put("cwd", c.cwd);
  k.put("user", c.user ? "1" + *c.user : std::string("0"));
  k.put("unix_group", c.unix_group ? "1" + *c.unix_group : std::string("0"));
  k.put("umask", c.umask ? static_cast<long long>(*c.umask) : -1LL);
  k.put("autostart", c.autostart ? 1LL : 0LL);
  k.put("restart", std::string(config::to_string(c.restart)));
  k.put("start_secs", c.start_secs);
  k.put("backoff_initial", c.backoff_initial);
  k.put("backoff_max", c.backoff_max);
  k.put("start_limit_burst", static_cast<long long>(c.start_limit_burst));
  k.put("start_limit_interval", c.start_limit_interval);
  k.put("stop_signal", static_cast<long long>(c.stop_signal));
  k.put("stop_timeout", c.stop_timeout);
  k.put("parent_death_signal", static_cast<long long>(c.parent_death_signal));
  for (const auto& a : c.after) k.put("after", a);
  k.put("group", c.group);
  if (c.sched) {
    k.put("sched.policy", static_cast<long long>(c.sched->policy));
    k.put("sched.priority", static_cast<long long>(c.sched->priority));
    k.put("sched.nice", c.sched->nice ? static_cast<long long>(*c.sched->nice) : 100LL);
    k.put("sched.runtime", c.sched->runtime);
    k.put("sched.deadline", c.sched->deadline);
    k.put("sched.period", c.sched->period);
  }
  if (c.affinity) {
    for (int cpu : c.affinity->cpus) k.put("affinity.cpu", static_cast<long long>(cpu));
    k.put("affinity.threads", std::string(config::to_string(c.affinity->threads)));
  }
  k.put("log_max_size", static_cast<long long>(c.log_max_size));
  k.put("log_keep", static_cast<long long>(c.log_keep));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(k.text())));
  return buf;
}

}  // namespace corral::persist
