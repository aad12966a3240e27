// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/mqueue_demo.hpp"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <tuple>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/sync/interprocess_semaphore.hpp>

#include "corral/ipc/checksum.hpp"
#include "corral/ipc/clock.hpp"
#include "corral/ipc/ipc_names.hpp"
#include "corral/ipc/run_name.hpp"
#include "corral/ipc/trace.hpp"

namespace bi = boost::interprocess;

namespace corral::ipc {

namespace {

constexpr std::uint32_t kData = 1, kStop = 2;
constexpr unsigned kMaxPrio = 31;
constexpr unsigned kFirstArrivals = 32;

struct MsgHeader {
  std::uint32_t kind;
  std::uint32_t sender;
  std::uint32_t priority;
  std::uint32_t worker;
  std::uint64_t index;     // per-sender message number, for exactly-once
  std::uint64_t prio_seq;  // per-(sender, priority) number, for the order check
  std::uint64_t checksum;  // over the payload
};

struct Shared {
  boost::interprocess::interprocess_semaphore gate{0};  // workers' start (preload)
  std::atomic<bool> gate_open{false};
  std::atomic<std::uint32_t> producers_done{0}, workers_done{0};
  std::atomic<std::uint64_t> sent{0}, received{0}, bad_checksums{0}, order_violations{0};
  std::atomic<std::uint64_t> first_ns{~0ULL}, last_ns{0};
  std::uint64_t prio_count[kMaxPrio + 1]{};
  double prio_position_sum[kMaxPrio + 1]{};
  std::uint32_t first_arrivals[kFirstArrivals]{};
  std::atomic<std::uint64_t> per_worker[256]{};
  WaitStats send_in_full, recv_in_empty, send_out_full, recv_out_empty;
};

struct Ctx {
  const MqConfig* c;
  Shared* sh;
  std::uint8_t* seen;  // producers * messages
  MessageQueue* in;
  MessageQueue* out;
};

bool send(MessageQueue& q, const void* m, std::size_t n, unsigned prio, WaitStats& st, const Tracer& tr,
          const char* qname) {
  auto t = q.try_send(m, n, prio);
  if (!t) return false;
  if (*t) {
    st.record(0, false);
    return true;
  }
  tr("send(%s, prio %u): queue full, blocking", qname, prio);
  const std::uint64_t t0 = now_ns();
  if (!q.send(m, n, prio)) return false;
  st.record(now_ns() - t0, true);
  tr("send(%s, prio %u): unblocked", qname, prio);
  return true;
}

bool receive(MessageQueue& q, void* buf, std::size_t cap, unsigned& prio, WaitStats& st, const Tracer& tr,
             const char* qname) {
  std::size_t got = 0;
  auto t = q.try_receive(buf, cap, got, prio);
  if (!t) return false;
  if (*t) {
    st.record(0, false);
    return true;
  }
  tr("receive(%s): queue empty, blocking", qname);
  const std::uint64_t t0 = now_ns();
  if (!q.receive(buf, cap, prio)) return false;
  st.record(now_ns() - t0, true);
  tr("receive(%s): got a prio %u message", qname, prio);
  return true;
}

void sleep_us(unsigned us) {
  if (!us) return;
  timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  ::nanosleep(&ts, nullptr);
}

void open_gate(const Ctx& x, const Tracer& tr, const char* why) {
  if (!x.c->preload || x.sh->gate_open.exchange(true)) return;
  tr("opening the workers' gate: %s", why);
  for (unsigned w = 0; w < x.c->workers; ++w) x.sh->gate.post();
}

int producer(const Ctx& x, unsigned id, const Tracer& tr) {
  const MqConfig& c = *x.c;
  std::vector<unsigned char> m(c.msg_size);
  std::vector<std::uint64_t> prio_seq(c.priorities + 1, 0);
  atomic_min(x.sh->first_ns, now_ns());
  for (std::uint64_t i = 0; i < c.messages; ++i) {
    // Priorities follow a fixed, mixed pattern so every level gets traffic.
    const unsigned prio = 1 + static_cast<unsigned>((i * 7 + id * 3 + i / 5) % c.priorities);
    MsgHeader h{kData, id, prio, 0, i, prio_seq[prio]++, 0};
    fill_pattern(m.data() + sizeof h, c.msg_size - sizeof h, id, i);
    h.checksum = fnv1a(m.data() + sizeof h, c.msg_size - sizeof h);
    std::memcpy(m.data(), &h, sizeof h);
    if (c.preload && !x.sh->gate_open.load()) {
      auto t = x.in->try_send(m.data(), c.msg_size, prio);
      if (!t) return 3;
      if (*t) {
        x.sh->send_in_full.record(0, false);
        tr("sent #%llu prio %u (preloading)", static_cast<unsigned long long>(i), prio);
        x.sh->sent.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      open_gate(x, tr, "queue in is full");
    }
    if (!send(*x.in, m.data(), c.msg_size, prio, x.sh->send_in_full, tr, "in")) return 3;
    tr("sent #%llu prio %u", static_cast<unsigned long long>(i), prio);
    x.sh->sent.fetch_add(1, std::memory_order_relaxed);
  }
  // The last producer stops the workers: priority-0 stop messages queue behind
  // every data message already sent.
  if (x.sh->producers_done.fetch_add(1) + 1 == c.producers) {
    open_gate(x, tr, "every producer is done");
    MsgHeader h{kStop, id, 0, 0, 0, 0, 0};
    std::memset(m.data(), 0, m.size());
    std::memcpy(m.data(), &h, sizeof h);
    for (unsigned w = 0; w < c.workers; ++w)
      if (!send(*x.in, m.data(), c.msg_size, 0, x.sh->send_in_full, tr, "in")) return 3;
    tr("sent %u stop messages", c.workers);
  }
  return 0;
}

int worker(const Ctx& x, unsigned id, const Tracer& tr) {
  const MqConfig& c = *x.c;
  std::vector<unsigned char> m(c.msg_size);
  std::uint64_t done = 0;
  if (c.preload) x.sh->gate.wait();
  for (;;) {
    unsigned prio = 0;
    if (!receive(*x.in, m.data(), m.size(), prio, x.sh->recv_in_empty, tr, "in")) return 3;
    MsgHeader h;
    std::memcpy(&h, m.data(), sizeof h);
    if (h.kind == kStop) break;
    sleep_us(c.work_us);
    h.worker = id;
    std::memcpy(m.data(), &h, sizeof h);
    if (!send(*x.out, m.data(), c.msg_size, prio, x.sh->send_out_full, tr, "out")) return 3;
    tr("forwarded sender %u #%llu prio %u", h.sender, static_cast<unsigned long long>(h.index), prio);
    if (id < 256) x.sh->per_worker[id].fetch_add(1, std::memory_order_relaxed);
    if (id == 0 && c.kill_worker_after && ++done == c.kill_worker_after) {
      tr("fault injection: SIGKILL myself after %llu messages", static_cast<unsigned long long>(done));
      ::raise(SIGKILL);
    }
  }
  if (x.sh->workers_done.fetch_add(1) + 1 == c.workers) {
    MsgHeader h{kStop, 0, 0, id, 0, 0, 0};
    std::memset(m.data(), 0, m.size());
    std::memcpy(m.data(), &h, sizeof h);
    if (!send(*x.out, m.data(), c.msg_size, 0, x.sh->send_out_full, tr, "out")) return 3;
    tr("sent the collector its stop message");
  }
  return 0;
}

int collector(const Ctx& x, const Tracer& tr) {
  const MqConfig& c = *x.c;
  Shared& s = *x.sh;
  std::vector<unsigned char> m(c.msg_size);
  // Last prio_seq seen per (worker, sender, priority).
  std::map<std::tuple<unsigned, unsigned, unsigned>, std::uint64_t> last;
  const double total = static_cast<double>(c.producers) * static_cast<double>(c.messages);
  std::uint64_t pos = 0;
  for (;;) {
    unsigned prio = 0;
    if (!receive(*x.out, m.data(), m.size(), prio, s.recv_out_empty, tr, "out")) return 3;
    MsgHeader h;
    std::memcpy(&h, m.data(), sizeof h);
    if (h.kind == kStop) break;
    if (h.kind != kData || h.sender >= c.producers || h.index >= c.messages || h.priority != prio ||
        fnv1a(m.data() + sizeof h, c.msg_size - sizeof h) != h.checksum) {
      s.bad_checksums.fetch_add(1);
      continue;
    }
    x.seen[h.sender * c.messages + h.index]++;
    const auto key = std::make_tuple(h.worker, h.sender, prio);
    auto it = last.find(key);
    if (it != last.end() && h.prio_seq <= it->second) s.order_violations.fetch_add(1);
    last[key] = h.prio_seq;
    if (prio <= kMaxPrio) {
      s.prio_count[prio]++;
      s.prio_position_sum[prio] += static_cast<double>(pos) / total;
    }
    if (pos < kFirstArrivals) s.first_arrivals[pos] = prio;
    ++pos;
    s.received.fetch_add(1, std::memory_order_relaxed);
    atomic_max(s.last_ns, now_ns());
  }
  return 0;
}

WaitFigures figures(const WaitStats& s) { return WaitFigures::from(s); }

}  // namespace

Result<MqReport> run_mqueue(const MqConfig& c) {
  if (c.producers == 0 || c.workers == 0 || c.workers > 256 || c.messages == 0 || c.capacity == 0)
    return Error::logic("mqueue: producers, workers (<= 256), messages and capacity must be at least 1", EINVAL);
  if (c.priorities == 0 || c.priorities > kMaxPrio) return Error::logic("mqueue: priorities must be 1..31", EINVAL);
  if (c.msg_size < sizeof(MsgHeader))
    return Error::logic("mqueue: msg-size must be at least " + std::to_string(sizeof(MsgHeader)) + " bytes", EINVAL);
  Children kids;
  IpcNames names;
  MqReport r;
  r.config = c;
  const std::string base = unique_run_name(std::string("mq-") + to_string(c.backend));
  r.queue_in = base + "-in";
  r.queue_out = base + "-out";
  const std::string stats = base + "-stats";
  const auto kind = c.backend == MqBackend::boost ? IpcNames::Kind::boost_mq : IpcNames::Kind::posix_mq;
  names.add(kind, r.queue_in);
  names.add(kind, r.queue_out);
  names.add(IpcNames::Kind::boost_shm, stats);
  std::unique_ptr<bi::managed_shared_memory> seg;
  Ctx x{&c, nullptr, nullptr, nullptr, nullptr};
  try {
    seg = std::make_unique<bi::managed_shared_memory>(bi::create_only, stats.c_str(),
                                                      sizeof(Shared) + c.producers * c.messages + 65536);
    x.sh = seg->construct<Shared>("shared")();
    x.seen = seg->construct<std::uint8_t>("seen")[c.producers * c.messages](0);
  } catch (const std::exception& e) {
    return Error::logic("mqueue: create shared memory " + stats + ": " + e.what());
  }
  auto qin = create_message_queue(c.backend, r.queue_in, c.capacity, c.msg_size);
  if (!qin) return qin.error();
  auto qout = create_message_queue(c.backend, r.queue_out, c.capacity, c.msg_size);
  if (!qout) return qout.error();
  x.in = qin->get();
  x.out = qout->get();
  Tracer tr(c.trace, now_ns());
  tr("%s queues %s and %s, capacity %u, %u-byte messages", to_string(c.backend), r.queue_in.c_str(),
     r.queue_out.c_str(), c.capacity, c.msg_size);
  auto spawn = [&](const std::string& role, auto body) -> Status {
    auto p = kids.spawn(role, [&, role, body] {
      Tracer t = tr;
      t.set_role(role);
      return body(t);
    });
    if (!p) return p.error();
    return {};
  };
  if (auto s = spawn("collector", [&](const Tracer& t) { return collector(x, t); }); !s) return s.error();
  for (unsigned w = 0; w < c.workers; ++w)
    if (auto s = spawn("worker#" + std::to_string(w), [&, w](const Tracer& t) { return worker(x, w, t); }); !s)
      return s.error();
  for (unsigned p = 0; p < c.producers; ++p)
    if (auto s = spawn("producer#" + std::to_string(p), [&, p](const Tracer& t) { return producer(x, p, t); }); !s)
      return s.error();
  const auto w = kids.wait_all(std::chrono::milliseconds(static_cast<long long>(c.timeout_s * 1000)));
  kids.kill_all();
  r.end = RunEnd::from(w);

  Shared& s = *x.sh;
  r.sent = s.sent.load();
  r.received = s.received.load();
  for (std::uint64_t i = 0; i < c.producers * c.messages; ++i) {
    if (x.seen[i] == 0) r.missing++;
    if (x.seen[i] > 1) r.duplicated += x.seen[i] - 1u;
  }
  r.bad_checksums = s.bad_checksums.load();
  r.order_violations = s.order_violations.load();
  for (unsigned p = 0; p <= c.priorities; ++p) {
    r.per_priority_count.push_back(s.prio_count[p]);
    r.per_priority_mean_position.push_back(s.prio_count[p] ? s.prio_position_sum[p] / static_cast<double>(s.prio_count[p]) : 0.0);
  }
  for (unsigned i = 0; i < c.workers; ++i) r.per_worker.push_back(s.per_worker[i].load());
  for (std::uint64_t i = 0; i < std::min<std::uint64_t>(kFirstArrivals, r.received); ++i)
    r.first_arrivals += (i ? " " : "") + std::to_string(s.first_arrivals[i]);
  const std::uint64_t t0 = s.first_ns.load(), t1 = s.last_ns.load();
  r.seconds = t1 > t0 ? static_cast<double>(t1 - t0) / 1e9 : 0.0;
  if (r.seconds > 0) {
    r.msgs_per_s = static_cast<double>(r.received) / r.seconds;
    r.mb_per_s = r.msgs_per_s * c.msg_size / 1e6;
  }
  r.send_in_full = figures(s.send_in_full);
  r.recv_in_empty = figures(s.recv_in_empty);
  r.send_out_full = figures(s.send_out_full);
  r.recv_out_empty = figures(s.recv_out_empty);
  r.verified = r.end.ok() && r.missing == 0 && r.duplicated == 0 && r.bad_checksums == 0 && r.order_violations == 0 &&
               r.received == c.producers * c.messages;
  qin->reset();
  qout->reset();
  seg.reset();
  names.remove_all();
  return r;
}

void to_json(nlohmann::json& j, const MqReport& r) {
  const auto& c = r.config;
  j = nlohmann::json{{"demo", "mqueue"},
                     {"backend", to_string(c.backend)},
                     {"queues", {r.queue_in, r.queue_out}},
                     {"config",
                      {{"producers", c.producers},
                       {"workers", c.workers},
                       {"messages_per_producer", c.messages},
                       {"capacity", c.capacity},
                       {"msg_size", c.msg_size},
                       {"priorities", c.priorities},
                       {"work_us", c.work_us},
                       {"preload", c.preload}}},
                     {"end", r.end},
                     {"sent", r.sent},
                     {"received", r.received},
                     {"missing", r.missing},
                     {"duplicated", r.duplicated},
                     {"bad_checksums", r.bad_checksums},
                     {"order_violations", r.order_violations},
                     {"order_invariant", "per (worker, sender, priority) sequence strictly increasing"},
                     {"per_priority_count", r.per_priority_count},
                     {"per_priority_mean_position", r.per_priority_mean_position},
                     {"per_worker", r.per_worker},
                     {"first_arrival_priorities", r.first_arrivals},
                     {"seconds", r.seconds},
                     {"msgs_per_s", r.msgs_per_s},
                     {"mb_per_s", r.mb_per_s},
                     {"producers_send_in_full", r.send_in_full},
                     {"workers_receive_in_empty", r.recv_in_empty},
                     {"workers_send_out_full", r.send_out_full},
                     {"collector_receive_out_empty", r.recv_out_empty},
                     {"verified", r.verified}};
}

std::string to_text(const MqReport& r) {
  const auto& c = r.config;
  std::string prios;
  for (unsigned p = c.priorities; p >= 1; --p) {
    char b[96];
    std::snprintf(b, sizeof b, "%sprio %u: %llu msgs, mean arrival at %.0f%%", prios.empty() ? "" : "; ", p,
                  static_cast<unsigned long long>(r.per_priority_count[p]), 100 * r.per_priority_mean_position[p]);
    prios += b;
  }
  std::string workers;
  for (auto n : r.per_worker) workers += (workers.empty() ? "" : " ") + std::to_string(n);
  char buf[3072];
  std::snprintf(
      buf, sizeof buf,
      "message passing (%s): %u producers -> in -> %u workers -> out -> collector, capacity %u, %u-byte messages\n"
      "  run:        %s%s%s\n"
      "  received:   %llu of %llu (missing %llu, duplicated %llu, bad %llu, order violations %llu)\n"
      "  priorities: %s\n"
      "  first arrivals' priorities: %s\n"
      "  per worker: %s\n"
      "  throughput: %.0f msgs/s, %.2f MB/s over %.3f s\n"
      "  blocked: producers on full in %llu/%llu, workers on empty in %llu/%llu, workers on full out %llu/%llu,\n"
      "           collector on empty out %llu/%llu\n"
      "invariants: %s\n",
      to_string(c.backend), c.producers, c.workers, c.capacity, c.msg_size, to_string(r.end.outcome),
      r.end.failure.empty() ? "" : ": ", r.end.failure.c_str(), static_cast<unsigned long long>(r.received),
      static_cast<unsigned long long>(c.producers * c.messages), static_cast<unsigned long long>(r.missing),
      static_cast<unsigned long long>(r.duplicated), static_cast<unsigned long long>(r.bad_checksums),
      static_cast<unsigned long long>(r.order_violations), prios.c_str(), r.first_arrivals.c_str(), workers.c_str(),
      r.msgs_per_s, r.mb_per_s, r.seconds, static_cast<unsigned long long>(r.send_in_full.blocked),
      static_cast<unsigned long long>(r.send_in_full.waits), static_cast<unsigned long long>(r.recv_in_empty.blocked),
      static_cast<unsigned long long>(r.recv_in_empty.waits), static_cast<unsigned long long>(r.send_out_full.blocked),
      static_cast<unsigned long long>(r.send_out_full.waits), static_cast<unsigned long long>(r.recv_out_empty.blocked),
      static_cast<unsigned long long>(r.recv_out_empty.waits),
      r.verified ? "HELD (every message exactly once and intact; FIFO per worker, sender and priority)"
                 : "VIOLATED or run incomplete");
  return buf;
}

}  // namespace corral::ipc
