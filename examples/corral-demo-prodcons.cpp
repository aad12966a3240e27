// SPDX-License-Identifier: Apache-2.0
// corral-demo-prodcons: the bounded buffer between real processes.
// Producers and consumers are forked processes sharing one Boost.Interprocess
// segment guarded by the semaphores empty (= K), full (= 0) and a mutex.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "demo_entry_points.hpp"

#include "corral/ipc/prodcons.hpp"

int corral::demos::prodcons_main(int argc, char** argv) {
  corral::ipc::ProdconsConfig c;
  bool json = false;
  CLI::App app{"Bounded buffer (producer/consumer) between processes over shared memory and semaphores.\n"
               "Verifies that every item is consumed exactly once and that 0 <= count <= K at all times."};
  app.option_defaults()->always_capture_default();
  app.add_option("--producers,-p", c.producers, "producer processes")->check(CLI::Range(1u, 256u));
  app.add_option("--consumers,-c", c.consumers, "consumer processes")->check(CLI::Range(1u, 256u));
  app.add_option("--capacity,-k", c.capacity, "buffer slots K (semaphore empty starts at K)")->check(CLI::Range(1u, 1u << 20));
  app.add_option("--items,-n", c.items, "items in total, shared out among the producers")->check(CLI::Range(1ull, 1ull << 32));
  app.add_option("--item-size,-b", c.item_size, "payload bytes per item")->check(CLI::Range(0u, 1u << 20));
  app.add_option("--batch", c.batch, "items moved per mutex hold (1 = the textbook version)")->check(CLI::Range(1u, 4096u));
  app.add_option("--timeout", c.timeout_s, "seconds before the run is declared hung")->check(CLI::PositiveNumber);
  app.add_flag("--trace", c.trace, "print every wait and signal with pid and time (stderr)");
  app.add_flag("--json", json, "print one JSON summary object on stdout");
  app.add_option("--kill-consumer-after", c.kill_consumer_after,
                 "fault injection: consumer#0 SIGKILLs itself after this many items");
  CLI11_PARSE(app, argc, argv);

  auto r = corral::ipc::run_prodcons(c);
  return corral::ipc::finish_demo("corral-demo-prodcons", r, json);
}
