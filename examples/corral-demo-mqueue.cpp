// SPDX-License-Identifier: Apache-2.0
// corral-demo-mqueue: message passing through a pipeline of processes,
// producers -> worker pool -> collector, on Boost or POSIX message queues.
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>

#include "demo_entry_points.hpp"

#include "corral/ipc/mqueue_demo.hpp"

int corral::demos::mqueue_main(int argc, char** argv) {
  using corral::ipc::MqBackend;
  corral::ipc::MqConfig c;
  std::string backend = "both";
  bool json = false;
  CLI::App app{"Message passing between processes: producers -> queue in -> worker processes -> queue out -> collector.\n"
               "Verifies that every message arrives exactly once and intact, and in order per (worker, sender,\n"
               "priority) -- the order a FIFO-per-priority queue and a worker pool actually guarantee."};
  app.option_defaults()->always_capture_default();
  app.add_option("--backend", backend, "boost | posix | both (one after the other, to compare)")
      ->check(CLI::IsMember({"boost", "posix", "both"}));
  app.add_option("--producers", c.producers, "producer processes")->check(CLI::Range(1u, 256u));
  app.add_option("--workers", c.workers, "worker processes")->check(CLI::Range(1u, 256u));
  app.add_option("--messages", c.messages, "messages per producer")->check(CLI::Range(1ull, 1ull << 28));
  app.add_option("--capacity", c.capacity, "messages each queue holds")->check(CLI::Range(1u, 65536u));
  app.add_option("--msg-size", c.msg_size, "bytes per message, 40-byte header included")->check(CLI::Range(40u, 1u << 20));
  app.add_option("--priorities", c.priorities, "data priority levels 1..N")->check(CLI::Range(1u, 31u));
  app.add_option("--work-us", c.work_us, "microseconds a worker spends per message");
  bool no_preload = false;
  app.add_flag("--no-preload", no_preload,
               "start the workers at once instead of when queue in is first full (priority order shows less)");
  app.add_option("--timeout", c.timeout_s, "seconds before a run is declared hung")->check(CLI::PositiveNumber);
  app.add_flag("--trace", c.trace, "print blocking sends/receives and every message, with pid and time (stderr)");
  app.add_flag("--json", json, "print one JSON summary object on stdout");
  app.add_option("--kill-worker-after", c.kill_worker_after,
                 "fault injection: worker#0 SIGKILLs itself after this many messages");
  CLI11_PARSE(app, argc, argv);
  c.preload = !no_preload;

  std::vector<MqBackend> backends;
  if (backend != "posix") backends.push_back(MqBackend::boost);
  if (backend != "boost") backends.push_back(MqBackend::posix);
  nlohmann::json out{{"demo", "mqueue"}, {"runs", nlohmann::json::array()}, {"msgs_per_s", nlohmann::json::object()}};
  bool verified = true;
  int code = 0;
  for (MqBackend b : backends) {
    c.backend = b;
    auto r = corral::ipc::run_mqueue(c);
    if (!r) {
      std::fprintf(stderr, "corral-demo-mqueue: %s\n", r.error().message.c_str());
      return corral::ipc::kExitFailed;
    }
    out["runs"].push_back(*r);
    out["msgs_per_s"][to_string(b)] = r->msgs_per_s;
    if (!json) std::fputs(corral::ipc::to_text(*r).c_str(), stdout);
    verified = verified && r->verified;
    code = corral::ipc::exit_code_for(verified, r->end);
    if (!r->end.ok()) break;
  }
  out["verified"] = verified;
  if (json) std::printf("%s\n", out.dump(2).c_str());
  return code;
}
