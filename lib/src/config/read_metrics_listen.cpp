// SPDX-License-Identifier: Apache-2.0
// [daemon] metrics_listen: where corrald serves /metrics (off when unset or "off").
#include "corral/config/listen_address.hpp"
#include "read_tables.hpp"

namespace corral::config::detail {

void read_metrics_listen(const TableReader& r, DaemonConfig& out) {
  auto v = r.string("metrics_listen");
  if (!v || *v == "off") return;
  auto addr = parse_listen_address(*v);
  if (!addr) return r.error(*r.node("metrics_listen"), "metrics_listen", addr.error().message);
  out.metrics_listen = addr->is_unix ? resolve_path(*r.node("metrics_listen"), *v) : *v;
}

}  // namespace corral::config::detail
