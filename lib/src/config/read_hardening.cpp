// SPDX-License-Identifier: Apache-2.0
// The hardening keys of a [service.NAME] table. Each error points at the array
// element it is about (file:line:col).
#include "corral/launch/capabilities.hpp"
#include "corral/seccomp/filter_spec.hpp"
#include "read_tables.hpp"

namespace corral::config::detail {
namespace {

// An array of strings; nullopt (error reported) if the key has another shape.
std::optional<std::vector<std::pair<std::string, const toml::node*>>> string_array(const TableReader& r,
                                                                                   std::string_view key) {
  const toml::node* n = r.node(key);
  if (!n) return std::nullopt;
  auto arr = n->as_array();
  if (!arr) {
    r.type_error(*n, key, "an array of strings");
    return std::nullopt;
  }
  std::vector<std::pair<std::string, const toml::node*>> out;
  bool good = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    std::string name = std::string(key) + "[" + std::to_string(i) + "]";
    if (auto s = e.as_string()) {
      if (r.has_nul(e, name)) good = false;
      else out.emplace_back(s->get(), &e);
    } else {
      r.type_error(e, name, "a string");
      good = false;
    }
  }
  if (!good) return std::nullopt;
  return out;
}

std::optional<seccomp::FilterSpec> read_filter(const TableReader& r) {
  auto items = string_array(r, "syscall_filter");
  if (!items) return std::nullopt;
  std::vector<seccomp::FilterEntry> entries;
  bool good = true;
  for (size_t i = 0; i < items->size(); ++i) {
    auto& [text, node] = (*items)[i];
    auto e = seccomp::parse_filter_entry(text);
    if (!e) {
      r.error(*node, "syscall_filter[" + std::to_string(i) + "]", e.error().message);
      good = false;
    } else {
      entries.push_back(std::move(*e));
    }
  }
  if (!good) return std::nullopt;
  auto spec = seccomp::combine_filter(entries);
  if (!spec) {
    r.error(*r.node("syscall_filter"), "syscall_filter", spec.error().message);
    return std::nullopt;
  }
  return std::move(*spec);
}

std::optional<std::uint64_t> read_capabilities(const TableReader& r, std::string_view key) {
  auto items = string_array(r, key);
  if (!items) return std::nullopt;
  std::uint64_t set = 0;
  bool good = true;
  for (size_t i = 0; i < items->size(); ++i) {
    auto& [text, node] = (*items)[i];
    if (auto cap = launch::parse_capability(text)) {
      set |= 1ULL << *cap;
      continue;
    }
    std::string msg = "unknown capability \"" + text + "\"";
    if (auto hint = closest_key(text, launch::capability_names()))
      msg += " (did you mean \"" + std::string(*hint) + "\"?)";
    r.error(*node, std::string(key) + "[" + std::to_string(i) + "]", msg);
    good = false;
  }
  if (!good) return std::nullopt;
  return set;
}

}  // namespace

void read_hardening(const TableReader& r, ServiceConfig& s) {
  HardeningConfig& h = s.hardening;
  auto spec = read_filter(r);
  std::optional<seccomp::FilterAction> action;
  if (auto text = r.string("syscall_action")) {
    auto a = seccomp::parse_filter_action(*text);
    if (!a) r.error(*r.node("syscall_action"), "syscall_action", a.error().message);
    else action = *a;
  }
  auto mode = r.choice<seccomp::FilterMode>(
      "syscall_filter_mode", {{"enforce", seccomp::FilterMode::Enforce}, {"learn", seccomp::FilterMode::Learn}});
  if (spec) {
    h.syscall_filter = seccomp::FilterConfig{std::move(*spec), action.value_or(seccomp::FilterAction{}),
                                             mode.value_or(seccomp::FilterMode::Enforce)};
  } else if (!r.node("syscall_filter")) {
    for (const char* key : {"syscall_action", "syscall_filter_mode"})
      if (const toml::node* n = r.node(key)) r.error(*n, key, "has no effect without syscall_filter");
  }
  if (auto v = r.boolean("no_new_privs")) h.no_new_privs = *v;
  h.capabilities = read_capabilities(r, "capabilities");
  h.capability_bounding = read_capabilities(r, "capability_bounding");
  if (h.capabilities && !s.user)
    r.error(*r.node("capabilities"), "capabilities",
            "needs a non-root user (they become its ambient capabilities); for root, use capability_bounding");
}

}  // namespace corral::config::detail
