// SPDX-License-Identifier: Apache-2.0
#include "corral/jobs/policy.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include "corral/jobs/time_units.hpp"

namespace corral::jobs {
namespace {

constexpr std::array<std::pair<std::string_view, PolicyKind>, 6> kPolicies{{
    {"fcfs", PolicyKind::Fcfs},
    {"rr", PolicyKind::Rr},
    {"spn", PolicyKind::Spn},
    {"srt", PolicyKind::Srt},
    {"hrrn", PolicyKind::Hrrn},
    {"fb", PolicyKind::Fb},
}};

}  // namespace

bool Policy::needs_estimate() const {
  return kind == PolicyKind::Spn || kind == PolicyKind::Srt || kind == PolicyKind::Hrrn;
}

bool Policy::uses_quantum() const { return kind == PolicyKind::Rr || kind == PolicyKind::Fb; }

Tick Policy::slice(int level) const {
  if (!uses_quantum()) return kForever;
  if (kind == PolicyKind::Fb && quantum_doubles) {
    // 2^level quanta; saturate rather than overflow in the deepest queues.
    Tick s = quantum;
    for (int i = 0; i < level; ++i) {
      if (s > kForever / 2) return kForever;
      s *= 2;
    }
    return s;
  }
  return quantum;
}

Result<PolicyKind> parse_policy_kind(std::string_view name) {
  for (const auto& [text, kind] : kPolicies)
    if (text == name) return kind;
  return Error::logic("unknown policy \"" + std::string(name) + "\" (expected fcfs, rr, spn, srt, hrrn or fb)");
}

std::string_view policy_name(PolicyKind kind) {
  for (const auto& [text, k] : kPolicies)
    if (k == kind) return text;
  return "?";
}

Result<Policy> make_policy(std::string_view name, std::string_view quantum_text, Tick unit) {
  auto kind = parse_policy_kind(name);
  if (!kind) return kind.error();
  Policy p;
  p.kind = *kind;
  p.quantum = unit;
  if (quantum_text.empty()) return p;
  if (!p.uses_quantum())
    return Error::logic("quantum: policy " + std::string(name) + " has no quantum (only rr and fb do)");
  if (quantum_text == "2^i") {
    if (p.kind != PolicyKind::Fb) return Error::logic("quantum: \"2^i\" is for fb only");
    p.quantum_doubles = true;
    return p;
  }
  auto q = parse_units(quantum_text, unit);
  if (!q) return Error::logic("quantum: " + q.error().message);
  if (*q <= 0) return Error::logic("quantum: must be greater than zero, got \"" + std::string(quantum_text) + "\"");
  p.quantum = *q;
  return p;
}

std::string describe(const Policy& policy, Tick unit) {
  std::string out(policy_name(policy.kind));
  if (!policy.uses_quantum()) return out;
  out += " q=";
  out += policy.quantum_doubles ? "2^i" : format_units(policy.quantum, unit);
  return out;
}

}  // namespace corral::jobs
