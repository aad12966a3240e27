// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/prodcons.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include <boost/interprocess/managed_shared_memory.hpp>

#include "corral/ipc/adaptive_sync.hpp"
#include "corral/ipc/checksum.hpp"
#include "corral/ipc/clock.hpp"
#include "corral/ipc/ipc_names.hpp"
#include "corral/ipc/run_name.hpp"
#include "corral/ipc/trace.hpp"

namespace bi = boost::interprocess;

namespace corral::ipc {

namespace {

constexpr std::uint32_t kPill = std::numeric_limits<std::uint32_t>::max();

struct SlotHeader {
  std::uint32_t producer;
  std::uint32_t pad;
  std::uint64_t seq;
  std::uint64_t checksum;
};

// The ring's bookkeeping, guarded by the mutex.
struct RingState {
  std::uint64_t in = 0, out = 0;
  std::int64_t count = 0, count_min = 0, count_max = 0;
};
struct Violations {  // written only when something is wrong
  std::uint64_t occupancy = 0, order = 0;
};

// What the producers and the consumers touch at every item, each group on
// cache lines of its own (without that, each wait or signal of one side took
// the line away from the other: issue 13): the two semaphores (each a posters'
// and a takers' line), then the mutex with the ring state it guards (one line
// moves with the lock), then the violation counters.
constexpr std::size_t kLine = 64;
struct alignas(kLine) Hot {
  explicit Hot(unsigned k) : empty(k), full(0) {}
  AdaptiveSemaphore empty;  // free slots
  AdaptiveSemaphore full;   // filled slots
  alignas(kLine) AdaptiveMutex mutex;
  RingState ring;
  alignas(kLine) Violations bad;
};

struct Shared {
  std::atomic<std::uint32_t> producers_done{0};
  std::atomic<std::uint64_t> produced{0}, bad_checksums{0};
  std::atomic<std::uint64_t> first_ns{std::numeric_limits<std::uint64_t>::max()}, last_ns{0};
  WaitStats on_empty, on_full, on_mutex;
};

struct Layout {
  Shared* sh;
  Hot* hot;
  unsigned char* ring;
  std::size_t slot;    // bytes of one item: header + payload
  std::size_t stride;  // slot rounded up to whole cache lines, so neighbours share none
  std::uint8_t* seen;
  std::int64_t* last_seq;  // per producer, last seq taken out of the ring
  SpinBudget spin;         // pauses before a wait sleeps (0 on one CPU)
};

// Pauses (about 35 ns each on the build machine, so ~35 us) before a wait
// sleeps, when another CPU can run the other side. Sleeping costs a futex wait
// and, for whoever signals, a futex wake: microseconds each in a VM, while the
// other side usually frees or fills a slot much sooner. So a wait first watches
// for a while (what glibc's adaptive mutexes and the kernel's own locks do) and
// then sleeps as the textbook says; it is still wait() on the same semaphore,
// counted as blocked only when it slept. 1000 rather than 400: the semaphore's
// spin reads less and less often, so the same budget holds fewer looks.
constexpr unsigned kSpinPauses = 1000;

// wait() the textbook way, after a spin; blocking is counted and traced.
void sem_wait(AdaptiveSemaphore& s, AdaptiveSemaphore::View& view, SpinBudget spin, LocalWaitStats& st,
              const Tracer& tr, const char* name) {
  if (s.try_wait(view) || s.spin_wait(view, spin)) {
    st.record(0, false);
    tr("wait(%s) passed", name);
    return;
  }
  tr("wait(%s) blocks", name);
  const std::uint64_t t0 = now_ns();
  const bool slept = s.wait(view);
  st.record(now_ns() - t0, slept);
  tr("wait(%s) woken", name);
}

void lock(AdaptiveMutex& m, SpinBudget spin, LocalWaitStats& st) {
  if (m.try_lock() || m.spin_lock(spin)) {
    st.record(0, false);
    return;
  }
  const std::uint64_t t0 = now_ns();
  const bool slept = m.lock();
  st.record(now_ns() - t0, slept);
}

unsigned char* slot_at(const Layout& L, unsigned k, std::uint64_t index) { return L.ring + (index % k) * L.stride; }

// A consumer asks the CPU to start fetching the slot it will most likely copy
// from once it holds the mutex, so that the copy under the mutex (which the
// producer is waiting for) does not wait for those cache lines from the other
// CPU. Only a hint: with more consumers the guess can be wrong, and then the
// fetch was wasted. Measured on the build machine: ~5-8% more items/s; the
// same hint for writing on the producer's side made no difference.
void prefetch_slot_for_reading(const Layout& L, unsigned k, std::uint64_t index) {
  const unsigned char* p = slot_at(L, k, index);
  for (std::size_t off = 0; off < std::min<std::size_t>(L.slot, 4 * kLine); off += kLine) __builtin_prefetch(p + off, 0);
}

// Called with the mutex held.
void put(const Layout& L, unsigned k, const unsigned char* item, const Tracer& tr) {
  RingState& s = L.hot->ring;
  const std::uint64_t in = s.in++;
  std::memcpy(slot_at(L, k, in), item, L.slot);
  s.count++;
  if (s.count > static_cast<std::int64_t>(k) || s.count < 0) L.hot->bad.occupancy++;
  if (s.count > s.count_max) s.count_max = s.count;
  if (tr.enabled()) {
    SlotHeader h;
    std::memcpy(&h, item, sizeof h);
    if (h.producer == kPill)
      tr("put stop item in slot %llu, count %lld/%u", static_cast<unsigned long long>(in % k),
         static_cast<long long>(s.count), k);
    else
      tr("put item p%u#%llu in slot %llu, count %lld/%u", h.producer, static_cast<unsigned long long>(h.seq),
         static_cast<unsigned long long>(in % k), static_cast<long long>(s.count), k);
  }
}

int producer(const Layout& L, const ProdconsConfig& c, unsigned id, std::uint64_t n, const Tracer& tr) {
  Shared& s = *L.sh;
  LocalWaitStats on_empty, on_mutex;
  AdaptiveSemaphore::View empty_view;
  atomic_min(s.first_ns, now_ns());
  const unsigned batch = std::max(1u, c.batch);
  std::vector<unsigned char> items(L.slot * batch);
  for (std::uint64_t seq = 0; seq < n;) {
    const unsigned b = static_cast<unsigned>(std::min<std::uint64_t>(batch, n - seq));
    for (unsigned j = 0; j < b; ++j) {  // build outside the critical section
      unsigned char* it = items.data() + j * L.slot;
      SlotHeader h{id, 0, seq + j, 0};
      fill_pattern(it + sizeof h, c.item_size, id, seq + j);
      h.checksum = fnv1a(it + sizeof h, c.item_size, id * 1000003ULL + seq + j);
      std::memcpy(it, &h, sizeof h);
    }
    for (unsigned j = 0; j < b; ++j) sem_wait(L.hot->empty, empty_view, L.spin, on_empty, tr, "empty");
    lock(L.hot->mutex, L.spin, on_mutex);
    for (unsigned j = 0; j < b; ++j) put(L, c.capacity, items.data() + j * L.slot, tr);
    L.hot->mutex.unlock();
    for (unsigned j = 0; j < b; ++j) {
      L.hot->full.post();
      tr("signal(full)");
    }
    seq += b;
  }
  s.produced.fetch_add(n, std::memory_order_relaxed);
  // The last producer to finish puts one pill per consumer, through the same
  // empty/full protocol, so every consumer wakes and stops.
  if (s.producers_done.fetch_add(1) + 1 == c.producers) {
    std::vector<unsigned char> pill(L.slot, 0);
    SlotHeader h{kPill, 0, 0, 0};
    std::memcpy(pill.data(), &h, sizeof h);
    for (unsigned i = 0; i < c.consumers; ++i) {
      sem_wait(L.hot->empty, empty_view, L.spin, on_empty, tr, "empty");
      lock(L.hot->mutex, L.spin, on_mutex);
      put(L, c.capacity, pill.data(), tr);
      L.hot->mutex.unlock();
      L.hot->full.post();
      tr("signal(full) [stop pill]");
    }
  }
  on_empty.merge_into(s.on_empty);
  on_mutex.merge_into(s.on_mutex);
  return 0;
}

int consumer(const Layout& L, const ProdconsConfig& c, unsigned id, const std::vector<std::uint64_t>& base,
             const Tracer& tr) {
  Shared& s = *L.sh;
  const unsigned k = c.capacity;
  std::vector<unsigned char> item(L.slot);
  std::uint64_t mine = 0, last = 0;
  LocalWaitStats on_full, on_mutex;
  AdaptiveSemaphore::View full_view;
  std::uint64_t next_out = 0;  // the slot this consumer most likely takes next
  for (;;) {
    sem_wait(L.hot->full, full_view, L.spin, on_full, tr, "full");
    RingState& rs = L.hot->ring;
    prefetch_slot_for_reading(L, k, next_out);
    lock(L.hot->mutex, L.spin, on_mutex);
    const std::uint64_t out = rs.out++;
    next_out = out + 1;
    std::memcpy(item.data(), slot_at(L, k, out), L.slot);
    rs.count--;
    if (rs.count < 0 || rs.count > static_cast<std::int64_t>(k)) L.hot->bad.occupancy++;
    if (rs.count < rs.count_min) rs.count_min = rs.count;
    SlotHeader h;
    std::memcpy(&h, item.data(), sizeof h);
    if (h.producer != kPill) {
      // The ring is FIFO under the mutex: a producer's items leave in its order.
      if (h.producer >= c.producers || static_cast<std::int64_t>(h.seq) <= L.last_seq[h.producer])
        L.hot->bad.order++;
      else
        L.last_seq[h.producer] = static_cast<std::int64_t>(h.seq);
    }
    if (h.producer == kPill)
      tr("got stop item from slot %llu, count %lld/%u", static_cast<unsigned long long>(out % k),
         static_cast<long long>(rs.count), k);
    else
      tr("got item p%u#%llu from slot %llu, count %lld/%u", h.producer, static_cast<unsigned long long>(h.seq),
         static_cast<unsigned long long>(out % k), static_cast<long long>(rs.count), k);
    L.hot->mutex.unlock();
    L.hot->empty.post();
    tr("signal(empty)");
    if (h.producer == kPill) break;
    if (h.producer >= c.producers ||
        fnv1a(item.data() + sizeof h, c.item_size, h.producer * 1000003ULL + h.seq) != h.checksum) {
      s.bad_checksums.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    std::atomic_ref<std::uint8_t>(L.seen[base[h.producer] + h.seq]).fetch_add(1, std::memory_order_relaxed);
    ++mine;
    if (id == 0 && c.kill_consumer_after && mine == c.kill_consumer_after) {
      tr("fault injection: SIGKILL myself after %llu items", static_cast<unsigned long long>(mine));
      ::raise(SIGKILL);
    }
  }
  last = now_ns();
  atomic_max(s.last_ns, last);
  on_full.merge_into(s.on_full);
  on_mutex.merge_into(s.on_mutex);
  return 0;
}

}  // namespace

Result<ProdconsReport> run_prodcons(const ProdconsConfig& c) {
  if (c.producers == 0 || c.consumers == 0 || c.capacity == 0 || c.items == 0)
    return Error::logic("prodcons: producers, consumers, capacity and items must be at least 1", EINVAL);
  Children kids;
  IpcNames names;
  ProdconsReport r;
  r.config = c;
  r.segment = unique_run_name("prodcons");
  const std::size_t slot = (sizeof(SlotHeader) + c.item_size + 7) / 8 * 8;
  const std::size_t stride = (slot + kLine - 1) / kLine * kLine;
  const std::size_t bytes = sizeof(Shared) + sizeof(Hot) + kLine + stride * c.capacity + kLine + c.items + 8 * c.producers;
  names.add(IpcNames::Kind::boost_shm, r.segment);
  Layout L{};
  L.spin.pauses = ::sysconf(_SC_NPROCESSORS_ONLN) > 1 ? kSpinPauses : 0;  // on one CPU the other side cannot run meanwhile
  std::vector<std::uint64_t> base(c.producers, 0), count(c.producers, c.items / c.producers);
  for (unsigned p = 0; p < c.items % c.producers; ++p) count[p]++;
  for (unsigned p = 1; p < c.producers; ++p) base[p] = base[p - 1] + count[p - 1];
  // The segment stays mapped in the parent and, through fork, in every child.
  std::unique_ptr<bi::managed_shared_memory> seg;
  try {
    seg = std::make_unique<bi::managed_shared_memory>(bi::create_only, r.segment.c_str(), bytes + bytes / 8 + 65536);
    L.sh = seg->construct<Shared>("shared")();
    // The segment promises no more than 16-byte alignment to construct<>().
    L.hot = new (seg->allocate_aligned(sizeof(Hot), kLine)) Hot(c.capacity);
    L.slot = slot;
    L.stride = stride;
    L.ring = static_cast<unsigned char*>(seg->allocate_aligned(stride * c.capacity, kLine));
    std::memset(L.ring, 0, stride * c.capacity);
    L.seen = seg->construct<std::uint8_t>("seen")[c.items](0);
    L.last_seq = seg->construct<std::int64_t>("last_seq")[c.producers](-1);
  } catch (const std::exception& e) {
    return Error::logic("prodcons: create shared memory " + r.segment + ": " + e.what());
  }
  Tracer tr(c.trace, now_ns());
  tr("segment %s: empty=%u full=0 mutex=1, %u producers, %u consumers", r.segment.c_str(), c.capacity, c.producers,
     c.consumers);
  for (unsigned i = 0; i < c.consumers; ++i) {
    const std::string role = "consumer#" + std::to_string(i);
    auto pid = kids.spawn(role, [&, i, role] {
      Tracer t = tr;
      t.set_role(role);
      return consumer(L, c, i, base, t);
    });
    if (!pid) return pid.error();
  }
  for (unsigned p = 0; p < c.producers; ++p) {
    const std::string role = "producer#" + std::to_string(p);
    auto pid = kids.spawn(role, [&, p, role] {
      Tracer t = tr;
      t.set_role(role);
      return producer(L, c, p, count[p], t);
    });
    if (!pid) return pid.error();
  }
  const auto w = kids.wait_all(std::chrono::milliseconds(static_cast<long long>(c.timeout_s * 1000)));
  kids.kill_all();
  r.end = RunEnd::from(w);

  Shared& s = *L.sh;
  r.produced = s.produced.load();
  // Counted from the exactly-once table, so a consumer killed mid-run still
  // has its items counted.
  for (std::uint64_t i = 0; i < c.items; ++i) {
    r.consumed += L.seen[i];
    if (L.seen[i] == 0) r.missing++;
    if (L.seen[i] > 1) r.duplicated += L.seen[i] - 1u;
  }
  r.bad_checksums = s.bad_checksums.load();
  r.order_violations = L.hot->bad.order;
  r.occupancy_violations = L.hot->bad.occupancy;
  r.occupancy_min = L.hot->ring.count_min;
  r.occupancy_max = L.hot->ring.count_max;
  const std::uint64_t t0 = s.first_ns.load(), t1 = s.last_ns.load();
  r.seconds = t1 > t0 ? static_cast<double>(t1 - t0) / 1e9 : 0.0;
  if (r.seconds > 0) {
    r.items_per_s = static_cast<double>(r.consumed) / r.seconds;
    r.mb_per_s = r.items_per_s * c.item_size / 1e6;
  }
  r.producers_on_empty = WaitFigures::from(s.on_empty);
  r.consumers_on_full = WaitFigures::from(s.on_full);
  r.mutex = WaitFigures::from(s.on_mutex);
  r.verified = r.end.ok() && r.missing == 0 && r.duplicated == 0 && r.bad_checksums == 0 && r.order_violations == 0 &&
               r.occupancy_violations == 0 && r.occupancy_min >= 0 &&
               r.occupancy_max <= static_cast<std::int64_t>(c.capacity) && r.consumed == c.items && r.produced == c.items;
  names.remove_all();
  return r;
}

void to_json(nlohmann::json& j, const ProdconsReport& r) {
  const auto& c = r.config;
  j = nlohmann::json{
      {"demo", "prodcons"},
      {"segment", r.segment},
      {"config",
       {{"producers", c.producers},
        {"consumers", c.consumers},
        {"capacity", c.capacity},
        {"items", c.items},
        {"item_size", c.item_size},
        {"batch", c.batch}}},
      {"end", r.end},
      {"produced", r.produced},
      {"consumed", r.consumed},
      {"missing", r.missing},
      {"duplicated", r.duplicated},
      {"bad_checksums", r.bad_checksums},
      {"order_violations", r.order_violations},
      {"occupancy", {{"min", r.occupancy_min}, {"max", r.occupancy_max}, {"violations", r.occupancy_violations}}},
      {"seconds", r.seconds},
      {"items_per_s", r.items_per_s},
      {"mb_per_s", r.mb_per_s},
      {"producers_wait_empty", r.producers_on_empty},
      {"consumers_wait_full", r.consumers_on_full},
      {"mutex", r.mutex},
      {"verified", r.verified}};
}

std::string to_text(const ProdconsReport& r) {
  const auto& c = r.config;
  char buf[2048];
  std::snprintf(
      buf, sizeof buf,
      "bounded buffer: %u producers, %u consumers, capacity K=%u, %llu items of %u bytes (segment /dev/shm/%s)\n"
      "  run:        %s%s%s\n"
      "  consumed:   %llu of %llu (missing %llu, duplicated %llu, bad checksums %llu, out of order %llu)\n"
      "  occupancy:  min %lld, max %lld, allowed 0..%u (violations %llu)\n"
      "  throughput: %.0f items/s, %.2f MB/s over %.3f s\n"
      "  producers blocked on empty: %llu of %llu waits (longest %.1f us)\n"
      "  consumers blocked on full:  %llu of %llu waits (longest %.1f us)\n"
      "  mutex contended:            %llu of %llu locks\n"
      "invariants: %s\n",
      c.producers, c.consumers, c.capacity, static_cast<unsigned long long>(c.items), c.item_size, r.segment.c_str(),
      to_string(r.end.outcome), r.end.failure.empty() ? "" : ": ", r.end.failure.c_str(),
      static_cast<unsigned long long>(r.consumed), static_cast<unsigned long long>(c.items),
      static_cast<unsigned long long>(r.missing), static_cast<unsigned long long>(r.duplicated),
      static_cast<unsigned long long>(r.bad_checksums), static_cast<unsigned long long>(r.order_violations),
      static_cast<long long>(r.occupancy_min), static_cast<long long>(r.occupancy_max), c.capacity,
      static_cast<unsigned long long>(r.occupancy_violations), r.items_per_s, r.mb_per_s, r.seconds,
      static_cast<unsigned long long>(r.producers_on_empty.blocked),
      static_cast<unsigned long long>(r.producers_on_empty.waits), r.producers_on_empty.max_us,
      static_cast<unsigned long long>(r.consumers_on_full.blocked),
      static_cast<unsigned long long>(r.consumers_on_full.waits), r.consumers_on_full.max_us,
      static_cast<unsigned long long>(r.mutex.blocked), static_cast<unsigned long long>(r.mutex.waits),
      r.verified ? "HELD (every item consumed exactly once, 0 <= count <= K throughout)" : "VIOLATED or run incomplete");
  return buf;
}

}  // namespace corral::ipc
