// SPDX-License-Identifier: Apache-2.0
// The [queue.NAME] tables: slots, policy, quantum, quantum_unit, group, estimate,
// max_queued. The group reference is checked by the loader with the others.
#include <string>

#include "corral/config/queue_config.hpp"
#include "read_tables.hpp"

namespace corral::config {

QueueConfig default_queue_config(const std::string& name) {
  QueueConfig q;
  q.name = name;
  q.policy.kind = jobs::PolicyKind::Fcfs;
  q.policy.quantum = std::chrono::nanoseconds(std::chrono::milliseconds(100)).count();
  return q;
}

namespace detail {

QueueConfig read_queue(ErrorSink& sink, const std::string& name, const toml::table& table) {
  TableReader r(sink, table, "queue." + name,
                {"slots", "policy", "quantum", "quantum_unit", "group", "estimate", "max_queued"});
  QueueConfig q = default_queue_config(name);
  if (!valid_unit_name(name)) sink.at(table.source(), "queue." + name + ": a queue name is letters, digits, '_', '-', '.'");
  if (auto v = r.integer("slots", 1, 4096)) q.slots = static_cast<unsigned>(*v);
  if (auto v = r.integer("max_queued", 1, 10'000'000)) q.max_queued = static_cast<std::uint64_t>(*v);
  if (auto v = r.string("group")) q.group = *v;
  if (auto v = r.choice<jobs::PolicyKind>("policy", {{"fcfs", jobs::PolicyKind::Fcfs},
                                                     {"rr", jobs::PolicyKind::Rr},
                                                     {"spn", jobs::PolicyKind::Spn},
                                                     {"srt", jobs::PolicyKind::Srt},
                                                     {"hrrn", jobs::PolicyKind::Hrrn},
                                                     {"fb", jobs::PolicyKind::Fb}}))
    q.policy.kind = *v;
  if (auto v = r.duration("quantum_unit", true)) q.policy.quantum = v->count();
  if (const toml::node* n = r.node("quantum")) {
    auto s = n->as_string();
    if (!q.policy.uses_quantum()) {
      r.error(*n, "quantum", "policy \"" + std::string(jobs::policy_name(q.policy.kind)) +
                                 "\" has no quantum (only rr and fb do)");
    } else if (s && s->get() == "2^i") {
      if (q.policy.kind != jobs::PolicyKind::Fb) r.error(*n, "quantum", "\"2^i\" is for policy \"fb\" only");
      else q.policy.quantum_doubles = true;  // 2^i * quantum_unit in queue i
    } else if (auto d = r.duration("quantum", true)) {
      if (r.node("quantum_unit"))
        r.error(*n, "quantum", "quantum_unit is only for quantum = \"2^i\"; give the quantum itself");
      q.policy.quantum = d->count();
    }
  } else if (r.node("quantum_unit") && q.policy.kind != jobs::PolicyKind::Fb) {
    r.error(*r.node("quantum_unit"), "quantum_unit", "is for policy \"fb\" with quantum = \"2^i\" only");
  }
  if (const toml::node* n = r.node("estimate")) {
    if (auto s = r.string("estimate")) {
      if (*s != "given") {
        auto spec = jobs::parse_estimator(*s);
        if (!spec) r.error(*n, "estimate", "expected \"given\", \"average\", \"exponential\" or \"exponential:ALPHA\" (0 < ALPHA <= 1), got \"" + *s + "\"");
        else q.estimate = *spec;
      }
    }
  }
  return q;
}

}  // namespace detail
}  // namespace corral::config
