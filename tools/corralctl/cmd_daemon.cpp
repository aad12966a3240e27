// SPDX-License-Identifier: Apache-2.0
// daemon-reexec: corrald executes its binary again in place, services kept.
#include <cstdio>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "service_client.hpp"

namespace corral::ctl {

void register_daemon_commands(CLI::App& app, Context& ctx) {
  auto* reexec = app.add_subcommand(
      "daemon-reexec",
      "corrald executes its binary again (e.g. after an upgrade) in the same process: services keep running, "
      "unrestarted; replies once the new corrald serves (root only)");
  reexec->callback([&ctx] {
    protocol::Request req;
    req.command = protocol::Command::DaemonReexec;
    auto resp = call(req, ctx);
    if (!resp) return;
    const auto& d = resp->data;
    if (ctx.json) {
      std::printf("%s\n", d.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("corrald %s re-executed from %s: pid %d, generation %d, %zu services kept, serving %lld ms after the exec\n",
                  d.value("version", "?").c_str(), d.value("binary", "?").c_str(), d.value("pid", 0),
                  d.value("generation", 0), d.value("services", static_cast<std::size_t>(0)),
                  static_cast<long long>(d.value("handover_ms", 0LL)));
    }
    ctx.exit_code = kExitOk;
  });
}

}  // namespace corral::ctl
