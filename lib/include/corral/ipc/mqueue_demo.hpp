// SPDX-License-Identifier: Apache-2.0
// Message passing between real processes: producers -> queue "in" -> a pool of
// worker processes -> queue "out" -> one collector, on Boost.Interprocess
// message_queue or POSIX mq_*. Sends and receives block on a full / empty
// queue (visible in --trace); messages carry priorities.
//
// The order invariant verified, stated honestly: a queue is FIFO within one
// priority, and each worker forwards in the order it received. With several
// workers in between, two messages of one sender and priority can overtake
// each other (worker A takes m1, worker B takes m2 and forwards it first), so
// end-to-end per-sender order is NOT guaranteed. What holds, and what the
// collector checks, is: for each (worker, sender, priority), sequence numbers
// arrive strictly increasing. Plus: every message arrives exactly once, intact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"
#include "corral/ipc/demo_common.hpp"
#include "corral/ipc/message_queue.hpp"

namespace corral::ipc {

struct MqConfig {
  MqBackend backend = MqBackend::boost;
  unsigned producers = 2;
  unsigned workers = 3;
  std::uint64_t messages = 2000;  // per producer
  unsigned capacity = 8;          // messages per queue
  unsigned msg_size = 64;         // bytes per message, header included
  unsigned priorities = 3;        // data priorities 1..priorities (0 is the stop message)
  unsigned work_us = 0;           // a worker's time per message
  // Workers start only once queue "in" is first full (or every producer is
  // done), so the first messages out show the queue's priority order.
  bool preload = true;
  bool trace = false;
  std::uint64_t kill_worker_after = 0;  // fault injection: worker#0 SIGKILLs itself after this many
  double timeout_s = 120;
};

struct MqReport {
  MqConfig config;
  std::string queue_in, queue_out;
  RunEnd end;
  std::uint64_t sent = 0, received = 0, missing = 0, duplicated = 0, bad_checksums = 0, order_violations = 0;
  std::vector<std::uint64_t> per_priority_count;      // index = priority
  std::vector<double> per_priority_mean_position;    // mean arrival position at the collector, 0..1
  std::vector<std::uint64_t> per_worker;             // messages each worker forwarded
  std::string first_arrivals;                        // priorities of the first arrivals, e.g. "3 3 3 2 1 ..."
  double seconds = 0, msgs_per_s = 0, mb_per_s = 0;
  WaitFigures send_in_full, recv_in_empty, send_out_full, recv_out_empty;
  bool verified = false;
};

Result<MqReport> run_mqueue(const MqConfig& cfg);

void to_json(nlohmann::json& j, const MqReport& r);
std::string to_text(const MqReport& r);

}  // namespace corral::ipc
