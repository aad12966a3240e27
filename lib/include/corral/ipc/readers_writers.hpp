// SPDX-License-Identifier: Apache-2.0
// Readers/writers between real processes over one shared record, with the three
// textbook policies built from semaphores:
//   readers  - reader priority (the first reader locks writers out, the last lets
//              them in; writers can starve),
//   writers  - writer priority (a waiting writer closes the readers' turnstile;
//              readers can starve),
//   fair     - a FIFO service queue (FifoSemaphore) that every process passes
//              first, so nobody starves.
// The run checks itself: the record carries its version and checksum and a
// reader verifies both (no torn reads); entry counters catch any writer that
// overlaps a writer or a reader; the final version equals the number of writes.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "corral/base/result.hpp"
#include "corral/ipc/demo_common.hpp"

namespace corral::ipc {

enum class RwPriority { readers, writers, fair };
const char* to_string(RwPriority p);

struct RwConfig {
  unsigned readers = 4;
  unsigned writers = 2;
  RwPriority priority = RwPriority::fair;
  double duration_s = 2.0;
  unsigned read_us = 300;   // time a reader spends inside (between the two halves)
  unsigned write_us = 300;  // time a writer spends inside
  unsigned think_us = 100;  // time outside, between requests
  unsigned record_size = 256;
  bool trace = false;
  double timeout_s = 60;
};

struct RwReport {
  RwConfig config;
  std::string segment;
  RunEnd end;
  std::uint64_t reads = 0, writes = 0, final_version = 0;
  std::uint64_t torn_reads = 0, reader_saw_writer = 0, writer_saw_writer = 0, writer_saw_reader = 0;
  std::uint64_t max_concurrent_readers = 0;
  double seconds = 0, reads_per_s = 0, writes_per_s = 0;
  WaitFigures reader_wait, writer_wait;
  bool verified = false;
};

Result<RwReport> run_readers_writers(const RwConfig& cfg);

void to_json(nlohmann::json& j, const RwReport& r);
std::string to_text(const RwReport& r);

}  // namespace corral::ipc
