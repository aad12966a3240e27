// SPDX-License-Identifier: Apache-2.0
// service.NAME.parent_death_signal: by default a service outlives corrald (a
// restarted corrald adopts it); this key asks the kernel to signal the service
// when corrald dies instead (PR_SET_PDEATHSIG).
#include "corral/base/signals.hpp"
#include "read_tables.hpp"

namespace corral::config::detail {

void read_parent_death_signal(const TableReader& r, ServiceConfig& s) {
  const toml::node* n = r.node("parent_death_signal");
  if (!n) return;
  std::optional<std::string> text;
  if (auto str = n->as_string()) text = str->get();
  else if (auto i = n->as_integer()) text = std::to_string(i->get());
  if (!text) {
    r.type_error(*n, "parent_death_signal", "a signal name like \"TERM\", or \"none\"");
    return;
  }
  if (*text == "none" || *text == "0") {
    s.parent_death_signal = 0;
  } else if (std::optional<int> sig = corral::parse_signal(*text)) {
    s.parent_death_signal = *sig;
  } else {
    r.error(*n, "parent_death_signal",
            "unknown signal \"" + *text + "\" (expected a name like \"TERM\" or \"KILL\", a number, or \"none\")");
  }
}

}  // namespace corral::config::detail
