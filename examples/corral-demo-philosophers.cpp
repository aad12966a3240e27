// SPDX-License-Identifier: Apache-2.0
// corral-demo-philosophers: dining philosophers as processes, forks as
// TrackedSemaphores the deadlock detector can see.
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>

#include "demo_entry_points.hpp"

#include "corral/ipc/philosophers.hpp"

int corral::demos::philosophers_main(int argc, char** argv) {
  using corral::ipc::PhiloStrategy;
  corral::ipc::PhiloConfig c;
  bool json = false;
  const std::map<std::string, PhiloStrategy> strategies{
      {"naive", PhiloStrategy::naive}, {"ordered", PhiloStrategy::ordered}, {"waiter", PhiloStrategy::waiter}};
  CLI::App app{"Dining philosophers between processes; forks are semaphores in corral's resource registry.\n"
               "naive can deadlock (--force-deadlock makes it certain); ordered and waiter cannot.\n"
               "Exit 0 verified, 1 failed, 4 deadlock found."};
  app.option_defaults()->always_capture_default();
  app.add_option("-n,--philosophers", c.philosophers, "philosopher processes")->check(CLI::Range(2u, 60u));
  app.add_option("--strategy", c.strategy, "naive | ordered | waiter")
      ->transform(CLI::CheckedTransformer(strategies, CLI::ignore_case));
  app.add_option("--meals", c.meals, "meals each philosopher eats")->check(CLI::Range(1u, 1u << 24));
  app.add_option("--eat-us", c.eat_us, "microseconds per meal");
  app.add_option("--think-us", c.think_us, "microseconds of thinking between meals");
  app.add_flag("--force-deadlock", c.force_deadlock,
               "naive only: everyone takes the left fork before anyone takes a right one");
  app.add_option("--timeout", c.stall_timeout_s, "seconds without a meal before a deadlock is declared")
      ->check(CLI::PositiveNumber);
  app.add_flag("--hold", c.hold, "when deadlocked, stay deadlocked until SIGINT/SIGTERM (for a detector)");
  app.add_flag("--trace", c.trace, "print every wait and signal with pid and time (stderr)");
  app.add_flag("--json", json, "print one JSON summary object on stdout");
  CLI11_PARSE(app, argc, argv);

  auto r = corral::ipc::run_philosophers(c, [](const std::string& text) {
    std::fprintf(stderr, "%sholding the deadlock for a detector (corralctl waits); SIGINT or SIGTERM ends it\n",
                 text.c_str());
  });
  return corral::ipc::finish_demo("corral-demo-philosophers", r, json);
}
