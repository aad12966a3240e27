// SPDX-License-Identifier: Apache-2.0
// [daemon] socket_group: the Unix group the control socket is given (root:GROUP
// 0660). Checked for shape here; corrald looks the name up when it starts.
#include "read_tables.hpp"

namespace corral::config::detail {

void read_socket_group(const TableReader& r, DaemonConfig& out) {
  auto v = r.string("socket_group");
  if (!v) return;
  bool ok = !v->empty() && v->size() <= 32 && (*v)[0] != '-';
  for (char c : *v)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                c == '.' || c == '$');
  if (!ok)
    return r.error(*r.node("socket_group"), "socket_group",
                   "expected a group name (letters, digits, '_', '-', '.'; at most 32), got \"" + *v + "\"");
  out.socket_group = *v;
}

}  // namespace corral::config::detail
