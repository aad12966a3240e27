// SPDX-License-Identifier: Apache-2.0
// corral-demo-readers-writers: readers and writers processes over one shared
// record, with reader priority, writer priority or a fair FIFO queue.
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>

#include "demo_entry_points.hpp"

#include "corral/ipc/readers_writers.hpp"

int corral::demos::readers_writers_main(int argc, char** argv) {
  using corral::ipc::RwPriority;
  corral::ipc::RwConfig c;
  bool json = false;
  const std::map<std::string, RwPriority> priorities{
      {"readers", RwPriority::readers}, {"writers", RwPriority::writers}, {"fair", RwPriority::fair}};
  CLI::App app{"Readers/writers between processes over a shared record. Verifies that no reader sees a torn record\n"
               "and that no writer overlaps another writer or a reader; shows each policy's starvation as the\n"
               "longest wait per class."};
  app.option_defaults()->always_capture_default();
  app.add_option("--readers", c.readers, "reader processes")->check(CLI::Range(0u, 256u));
  app.add_option("--writers", c.writers, "writer processes")->check(CLI::Range(0u, 256u));
  app.add_option("--priority", c.priority, "readers | writers | fair")
      ->transform(CLI::CheckedTransformer(priorities, CLI::ignore_case));
  app.add_option("--duration", c.duration_s, "seconds to run")->check(CLI::PositiveNumber);
  app.add_option("--read-us", c.read_us, "microseconds a reader stays inside");
  app.add_option("--write-us", c.write_us, "microseconds a writer stays inside");
  app.add_option("--think-us", c.think_us, "microseconds between a process's requests");
  app.add_option("--record-size", c.record_size, "bytes in the shared record")->check(CLI::Range(2u, 1u << 20));
  app.add_option("--timeout", c.timeout_s, "seconds allowed for everyone to leave after the duration")
      ->check(CLI::PositiveNumber);
  app.add_flag("--trace", c.trace, "print every request and entry with pid and time (stderr)");
  app.add_flag("--json", json, "print one JSON summary object on stdout");
  CLI11_PARSE(app, argc, argv);

  auto r = corral::ipc::run_readers_writers(c);
  return corral::ipc::finish_demo("corral-demo-readers-writers", r, json);
}
