// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/readers_writers.hpp"

#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <vector>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/sync/interprocess_semaphore.hpp>

#include "corral/ipc/checksum.hpp"
#include "corral/ipc/clock.hpp"
#include "corral/ipc/fifo_semaphore.hpp"
#include "corral/ipc/ipc_names.hpp"
#include "corral/ipc/run_name.hpp"
#include "corral/ipc/trace.hpp"

namespace bi = boost::interprocess;

namespace corral::ipc {

namespace {

using Sem = bi::interprocess_semaphore;

struct Shared {
  // Semaphores of all three policies (each policy uses its own subset).
  Sem rmutex{1};    // guards read_count
  Sem wmutex{1};    // guards write_count (writer priority)
  Sem resource{1};  // the record itself: one writer or the group of readers
  Sem read_try{1};  // writer priority: the readers' turnstile a waiting writer closes
  FifoSemaphore queue{1};  // fair: the FIFO service queue
  std::int64_t read_count = 0, write_count = 0;

  std::atomic<bool> stop{false};
  // Observers of the invariants, independent of the semaphores being checked.
  std::atomic<std::uint64_t> readers_in{0}, writers_in{0}, max_readers{0};
  std::atomic<std::uint64_t> torn{0}, r_saw_w{0}, w_saw_w{0}, w_saw_r{0};
  std::atomic<std::uint64_t> reads{0}, writes{0};
  WaitStats reader_wait, writer_wait;
};

struct Record {
  std::uint64_t version;
  std::uint64_t checksum;  // over version and data
  unsigned char data[1];   // record_size bytes follow
};

void sleep_us(unsigned us) {
  if (!us) return;
  timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  ::nanosleep(&ts, nullptr);
}

std::uint64_t record_sum(std::uint64_t version, const unsigned char* data, std::size_t n) {
  return fnv1a(data, n, fnv1a(&version, sizeof version));
}

void reader_enter(Shared& s, RwPriority p) {
  if (p == RwPriority::fair) s.queue.wait();
  if (p == RwPriority::writers) s.read_try.wait();
  s.rmutex.wait();
  if (++s.read_count == 1) s.resource.wait();  // the first reader locks writers out
  s.rmutex.post();
  if (p == RwPriority::writers) s.read_try.post();
  if (p == RwPriority::fair) s.queue.signal();
}

void reader_exit(Shared& s) {
  s.rmutex.wait();
  if (--s.read_count == 0) s.resource.post();  // the last reader lets writers in
  s.rmutex.post();
}

void writer_enter(Shared& s, RwPriority p) {
  if (p == RwPriority::fair) s.queue.wait();
  if (p == RwPriority::writers) {
    s.wmutex.wait();
    if (++s.write_count == 1) s.read_try.wait();  // the first waiting writer shuts readers out
    s.wmutex.post();
  }
  s.resource.wait();
  if (p == RwPriority::fair) s.queue.signal();
}

void writer_exit(Shared& s, RwPriority p) {
  s.resource.post();
  if (p == RwPriority::writers) {
    s.wmutex.wait();
    if (--s.write_count == 0) s.read_try.post();
    s.wmutex.post();
  }
}

int reader(Shared& s, Record* rec, const RwConfig& c, const Tracer& tr) {
  std::vector<unsigned char> copy(c.record_size);
  while (!s.stop.load(std::memory_order_relaxed)) {
    tr("request read");
    const std::uint64_t t0 = now_ns();
    reader_enter(s, c.priority);
    const std::uint64_t waited = now_ns() - t0;
    s.reader_wait.record(waited, waited > 20'000);
    const std::uint64_t in = s.readers_in.fetch_add(1) + 1;
    atomic_max(s.max_readers, in);
    if (s.writers_in.load() != 0) s.r_saw_w.fetch_add(1);
    tr("reading (%llu readers inside, waited %.1f us)", static_cast<unsigned long long>(in), waited / 1e3);
    // Read in two halves with time between: a writer slipping in would tear it.
    const std::uint64_t version = rec->version;
    const std::size_t half = c.record_size / 2;
    std::memcpy(copy.data(), rec->data, half);
    sleep_us(c.read_us);
    std::memcpy(copy.data() + half, rec->data + half, c.record_size - half);
    const std::uint64_t sum = rec->checksum;
    if (record_sum(version, copy.data(), c.record_size) != sum) s.torn.fetch_add(1);
    s.readers_in.fetch_sub(1);
    reader_exit(s);
    s.reads.fetch_add(1, std::memory_order_relaxed);
    sleep_us(c.think_us);
  }
  return 0;
}

int writer(Shared& s, Record* rec, const RwConfig& c, unsigned id, const Tracer& tr) {
  std::vector<unsigned char> data(c.record_size);
  while (!s.stop.load(std::memory_order_relaxed)) {
    tr("request write");
    const std::uint64_t t0 = now_ns();
    writer_enter(s, c.priority);
    const std::uint64_t waited = now_ns() - t0;
    s.writer_wait.record(waited, waited > 20'000);
    if (s.writers_in.fetch_add(1) != 0) s.w_saw_w.fetch_add(1);
    if (s.readers_in.load() != 0) s.w_saw_r.fetch_add(1);
    const std::uint64_t version = rec->version + 1;
    tr("writing version %llu (waited %.1f us)", static_cast<unsigned long long>(version), waited / 1e3);
    fill_pattern(data.data(), c.record_size, id, version);
    const std::size_t half = c.record_size / 2;
    rec->version = version;
    std::memcpy(rec->data, data.data(), half);
    sleep_us(c.write_us);
    std::memcpy(rec->data + half, data.data() + half, c.record_size - half);
    rec->checksum = record_sum(version, data.data(), c.record_size);
    s.writers_in.fetch_sub(1);
    writer_exit(s, c.priority);
    s.writes.fetch_add(1, std::memory_order_relaxed);
    sleep_us(c.think_us);
  }
  return 0;
}

}  // namespace

const char* to_string(RwPriority p) {
  switch (p) {
    case RwPriority::readers: return "readers";
    case RwPriority::writers: return "writers";
    case RwPriority::fair: return "fair";
  }
  return "?";
}

Result<RwReport> run_readers_writers(const RwConfig& c) {
  if (c.readers + c.writers == 0) return Error::logic("readers-writers: need at least one process", EINVAL);
  Children kids;
  IpcNames names;
  RwReport r;
  r.config = c;
  r.segment = unique_run_name("rw");
  names.add(IpcNames::Kind::boost_shm, r.segment);
  std::unique_ptr<bi::managed_shared_memory> seg;
  Shared* sh = nullptr;
  Record* rec = nullptr;
  try {
    seg = std::make_unique<bi::managed_shared_memory>(bi::create_only, r.segment.c_str(),
                                                      sizeof(Shared) + sizeof(Record) + c.record_size + 65536);
    sh = seg->construct<Shared>("shared")();
    rec = reinterpret_cast<Record*>(seg->construct<std::uint64_t>("record")[(sizeof(Record) + c.record_size + 7) / 8](0));
  } catch (const std::exception& e) {
    return Error::logic("readers-writers: create shared memory " + r.segment + ": " + e.what());
  }
  rec->checksum = record_sum(0, rec->data, c.record_size);
  Tracer tr(c.trace, now_ns());
  const std::uint64_t start = now_ns();
  for (unsigned i = 0; i < c.writers; ++i) {
    const std::string role = "writer#" + std::to_string(i);
    auto p = kids.spawn(role, [&, i, role] {
      Tracer t = tr;
      t.set_role(role);
      return writer(*sh, rec, c, i, t);
    });
    if (!p) return p.error();
  }
  for (unsigned i = 0; i < c.readers; ++i) {
    const std::string role = "reader#" + std::to_string(i);
    auto p = kids.spawn(role, [&, role] {
      Tracer t = tr;
      t.set_role(role);
      return reader(*sh, rec, c, t);
    });
    if (!p) return p.error();
  }
  // Run for the duration (a child dying or SIGINT ends it early), then ask
  // everyone to stop and wait for them to leave.
  auto w = kids.wait_all(std::chrono::milliseconds(static_cast<long long>(c.duration_s * 1000)));
  if (w.outcome == WaitOutcome::timed_out) {
    sh->stop = true;
    w = kids.wait_all(std::chrono::milliseconds(static_cast<long long>(c.timeout_s * 1000)));
  } else if (w.outcome == WaitOutcome::all_exited) {
    w.outcome = WaitOutcome::child_failed;  // nobody should leave before stop
  }
  sh->stop = true;
  kids.kill_all();
  r.end = RunEnd::from(w);
  r.seconds = static_cast<double>(now_ns() - start) / 1e9;
  r.reads = sh->reads.load();
  r.writes = sh->writes.load();
  r.final_version = rec->version;
  r.torn_reads = sh->torn.load();
  r.reader_saw_writer = sh->r_saw_w.load();
  r.writer_saw_writer = sh->w_saw_w.load();
  r.writer_saw_reader = sh->w_saw_r.load();
  r.max_concurrent_readers = sh->max_readers.load();
  r.reads_per_s = static_cast<double>(r.reads) / r.seconds;
  r.writes_per_s = static_cast<double>(r.writes) / r.seconds;
  r.reader_wait = WaitFigures::from(sh->reader_wait);
  r.writer_wait = WaitFigures::from(sh->writer_wait);
  r.verified = r.end.ok() && r.torn_reads == 0 && r.reader_saw_writer == 0 && r.writer_saw_writer == 0 &&
               r.writer_saw_reader == 0 && r.final_version == r.writes;
  seg.reset();
  names.remove_all();
  return r;
}

void to_json(nlohmann::json& j, const RwReport& r) {
  const auto& c = r.config;
  j = nlohmann::json{{"demo", "readers-writers"},
                     {"segment", r.segment},
                     {"config",
                      {{"readers", c.readers},
                       {"writers", c.writers},
                       {"priority", to_string(c.priority)},
                       {"duration_s", c.duration_s},
                       {"read_us", c.read_us},
                       {"write_us", c.write_us},
                       {"think_us", c.think_us}}},
                     {"end", r.end},
                     {"seconds", r.seconds},
                     {"reads", r.reads},
                     {"writes", r.writes},
                     {"reads_per_s", r.reads_per_s},
                     {"writes_per_s", r.writes_per_s},
                     {"final_version", r.final_version},
                     {"torn_reads", r.torn_reads},
                     {"reader_overlapped_writer", r.reader_saw_writer},
                     {"writer_overlapped_writer", r.writer_saw_writer},
                     {"writer_overlapped_reader", r.writer_saw_reader},
                     {"max_concurrent_readers", r.max_concurrent_readers},
                     {"reader_wait", r.reader_wait},
                     {"writer_wait", r.writer_wait},
                     {"verified", r.verified}};
}

std::string to_text(const RwReport& r) {
  const auto& c = r.config;
  char buf[2048];
  std::snprintf(buf, sizeof buf,
                "readers/writers, %s priority: %u readers, %u writers, %.1f s (segment /dev/shm/%s)\n"
                "  run:      %s%s%s\n"
                "  reads:    %llu (%.0f/s), up to %llu readers inside at once; longest reader wait %.1f ms (mean %.3f ms)\n"
                "  writes:   %llu (%.0f/s), final version %llu; longest writer wait %.1f ms (mean %.3f ms)\n"
                "  checks:   torn reads %llu, reader with writer %llu, writer with writer %llu, writer with reader %llu\n"
                "invariants: %s\n",
                to_string(c.priority), c.readers, c.writers, c.duration_s, r.segment.c_str(), to_string(r.end.outcome),
                r.end.failure.empty() ? "" : ": ", r.end.failure.c_str(), static_cast<unsigned long long>(r.reads),
                r.reads_per_s, static_cast<unsigned long long>(r.max_concurrent_readers), r.reader_wait.max_us / 1e3,
                r.reader_wait.mean_us / 1e3, static_cast<unsigned long long>(r.writes), r.writes_per_s,
                static_cast<unsigned long long>(r.final_version), r.writer_wait.max_us / 1e3,
                r.writer_wait.mean_us / 1e3, static_cast<unsigned long long>(r.torn_reads),
                static_cast<unsigned long long>(r.reader_saw_writer), static_cast<unsigned long long>(r.writer_saw_writer),
                static_cast<unsigned long long>(r.writer_saw_reader),
                r.verified ? "HELD (no torn read, no writer overlapped anyone, version == writes)"
                           : "VIOLATED or run incomplete");
  return buf;
}

}  // namespace corral::ipc
