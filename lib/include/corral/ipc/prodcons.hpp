// SPDX-License-Identifier: Apache-2.0
// The bounded buffer (producer/consumer) between real processes, as the textbook
// writes it: empty = K, full = 0 and a mutex (corral's AdaptiveSemaphore and
// AdaptiveMutex, adaptive_sync.hpp), all in one Boost.Interprocess
// managed_shared_memory segment. The run checks itself: every item consumed
// exactly once with an intact checksum, per-producer FIFO order out of the ring,
// and 0 <= count <= K at every insert and removal.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"
#include "corral/ipc/demo_common.hpp"

namespace corral::ipc {

struct ProdconsConfig {
  unsigned producers = 2;
  unsigned consumers = 2;
  unsigned capacity = 8;        // K
  std::uint64_t items = 10000;  // N, in total over all producers
  unsigned item_size = 64;      // B bytes of payload per item
  unsigned batch = 1;           // items moved per mutex hold (1 = textbook)
  bool trace = false;
  std::uint64_t kill_consumer_after = 0;  // fault injection: consumer#0 SIGKILLs itself after this many items
  double timeout_s = 120;
};

struct ProdconsReport {
  ProdconsConfig config;
  std::string segment;
  RunEnd end;
  std::uint64_t produced = 0, consumed = 0;
  std::uint64_t missing = 0, duplicated = 0, bad_checksums = 0, order_violations = 0;
  std::uint64_t occupancy_violations = 0;
  std::int64_t occupancy_min = 0, occupancy_max = 0;
  double seconds = 0, items_per_s = 0, mb_per_s = 0;
  WaitFigures producers_on_empty, consumers_on_full, mutex;
  bool verified = false;
};

// Runs the whole demo: creates the segment, forks the producers and consumers,
// supervises them, verifies, removes the segment. The children are forked from
// the caller, so call it from a program's main (it owns SIGINT while it runs).
Result<ProdconsReport> run_prodcons(const ProdconsConfig& cfg);

void to_json(nlohmann::json& j, const ProdconsReport& r);
std::string to_text(const ProdconsReport& r);

}  // namespace corral::ipc
