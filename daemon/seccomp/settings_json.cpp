// SPDX-License-Identifier: Apache-2.0
#include "settings_json.hpp"

#include "corral/launch/capabilities.hpp"

namespace corral::daemon {

void add_hardening_settings(const config::HardeningConfig& h, nlohmann::json& settings) {
  using nlohmann::json;
  if (h.syscall_filter) {
    std::string text;
    for (const auto& e : h.syscall_filter->spec.entries) text += (text.empty() ? "" : " ") + e;
    settings["syscall_filter"] = text;
    settings["syscall_filter_kind"] = h.syscall_filter->spec.allow_list ? "allow list" : "deny list";
    settings["syscall_action"] = seccomp::to_string(h.syscall_filter->action);
    settings["syscall_filter_mode"] = std::string(seccomp::to_string(h.syscall_filter->mode));
  } else {
    settings["syscall_filter"] = nullptr;
  }
  settings["no_new_privs"] = h.no_new_privs || h.syscall_filter.has_value();
  settings["capabilities"] = h.capabilities ? json(launch::format_capabilities(*h.capabilities)) : json(nullptr);
  settings["capability_bounding"] =
      h.capability_bounding ? json(launch::format_capabilities(*h.capability_bounding)) : json(nullptr);
}

}  // namespace corral::daemon
