// SPDX-License-Identifier: Apache-2.0
// corral-demo-semaphore: a counting semaphore's semantics, step by step, between
// real processes; strong (FIFO) against weak wake-up order.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "demo_entry_points.hpp"

#include "corral/ipc/semaphore_demo.hpp"

int corral::demos::semaphore_main(int argc, char** argv) {
  using corral::ipc::SemKind;
  corral::ipc::SemaphoreDemoConfig c;
  std::string kind = "both";
  bool json = false;
  CLI::App app{"A counting semaphore step by step: initialised to --initial, --processes processes call wait();\n"
               "the first ones pass, the rest block (value goes negative), then signals wake them one by one.\n"
               "Shows the wake order of a strong (FIFO) semaphore against a weak one (sem_t)."};
  app.option_defaults()->always_capture_default();
  app.add_option("--initial", c.initial, "initial semaphore value")->check(CLI::Range(0, 31));
  app.add_option("--processes", c.processes, "processes calling wait()")->check(CLI::Range(1u, 32u));
  app.add_option("--kind", kind, "strong | weak | both")->check(CLI::IsMember({"strong", "weak", "both"}));
  app.add_flag("--rt", c.rt, "give the waiters SCHED_FIFO priorities rising in arrival order (needs root)");
  app.add_option("--timeout", c.timeout_s, "seconds before the run is declared hung")->check(CLI::PositiveNumber);
  app.add_flag("--trace", c.trace, "print every wait and signal with pid and time (stderr)");
  app.add_flag("--json", json, "print one JSON summary object on stdout");
  CLI11_PARSE(app, argc, argv);
  if (kind == "strong") c.kinds = {SemKind::strong};
  if (kind == "weak") c.kinds = {SemKind::weak};

  auto r = corral::ipc::run_semaphore_demo(c);
  return corral::ipc::finish_demo("corral-demo-semaphore", r, json);
}
