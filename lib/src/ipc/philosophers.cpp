// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/philosophers.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <optional>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/sync/interprocess_semaphore.hpp>

#include "corral/ipc/clock.hpp"
#include "corral/ipc/ipc_names.hpp"
#include "corral/ipc/run_name.hpp"
#include "corral/ipc/trace.hpp"
#include "corral/ipc/tracked_semaphore.hpp"
#include "corral/waits/registry.hpp"

namespace bi = boost::interprocess;

namespace corral::ipc {

namespace {

constexpr unsigned kMax = 60;  // the registry holds 64 resources: forks + room

enum Phase : int { thinking = 0, want_first, want_second, eating, finished };

struct Seat {
  std::atomic<int> phase{thinking};
  std::atomic<bool> eating{false};
  std::atomic<std::uint64_t> meals{0}, max_wait_ns{0}, total_wait_ns{0};
};

struct Shared {
  std::atomic<std::uint64_t> last_meal_ns{0};
  std::atomic<unsigned> holding_first{0};
  bi::interprocess_semaphore barrier{0};
  std::atomic<std::uint64_t> overlaps{0}, conflicts{0};
  std::atomic<int> holder[kMax];  // which philosopher holds fork i, -1 none (observer, not the lock)
  Seat seats[kMax];
};

void sleep_us(unsigned us) {
  if (!us) return;
  timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  ::nanosleep(&ts, nullptr);
}

void took(Shared& s, unsigned fork, int who) {
  int expect = -1;
  if (!s.holder[fork].compare_exchange_strong(expect, who)) s.conflicts.fetch_add(1);
}
void dropped(Shared& s, unsigned fork) { s.holder[fork].store(-1); }

int philosopher(Shared& s, std::vector<TrackedSemaphore>& forks, std::optional<TrackedSemaphore>& room,
                const PhiloConfig& c, unsigned i, const Tracer& tr) {
  const unsigned n = c.philosophers;
  const unsigned left = i, right = (i + 1) % n;
  unsigned first = left, second = right;
  if (c.strategy == PhiloStrategy::ordered && second < first) std::swap(first, second);
  Seat& me = s.seats[i];
  for (unsigned meal = 0; meal < c.meals; ++meal) {
    me.phase = thinking;
    sleep_us(c.think_us);
    const std::uint64_t hungry = now_ns();
    if (room) {
      tr("wait(room)");
      if (!room->wait()) return 3;
    }
    me.phase = want_first;
    tr("wait(fork%u)", first);
    if (!forks[first].wait()) return 3;
    took(s, first, static_cast<int>(i));
    tr("took fork%u", first);
    if (c.force_deadlock && meal == 0) {
      // Everyone holds a first fork before anyone reaches for a second one.
      if (s.holding_first.fetch_add(1) + 1 == n)
        for (unsigned k = 0; k < n; ++k) s.barrier.post();
      s.barrier.wait();
    }
    me.phase = want_second;
    tr("wait(fork%u)", second);
    if (!forks[second].wait()) return 3;
    took(s, second, static_cast<int>(i));
    const std::uint64_t waited = now_ns() - hungry;
    me.total_wait_ns.fetch_add(waited);
    atomic_max(me.max_wait_ns, waited);
    me.phase = eating;
    me.eating = true;
    if (s.seats[(i + n - 1) % n].eating.load() || s.seats[right].eating.load()) s.overlaps.fetch_add(1);
    tr("eating (meal %u, waited %.1f ms)", meal + 1, waited / 1e6);
    sleep_us(c.eat_us);
    me.eating = false;
    me.meals.fetch_add(1);
    s.last_meal_ns.store(now_ns());
    dropped(s, second);
    dropped(s, first);
    if (!forks[second].post() || !forks[first].post()) return 3;
    tr("signal(fork%u), signal(fork%u)", second, first);
    if (room) {
      if (!room->post()) return 3;
      tr("signal(room)");
    }
  }
  me.phase = finished;
  return 0;
}

std::string fmt_seconds(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", s);
  return b;
}

// The registry's view: who holds which resource and who waits for which.
std::vector<std::string> describe_waits(const std::string& registry) {
  std::vector<std::string> out;
  auto reg = waits::Registry::open(registry);
  if (!reg) return {"registry unreadable: " + reg.error().message};
  auto snap = reg->snapshot();
  if (!snap) return {"registry unreadable: " + snap.error().message};
  std::map<pid_t, std::pair<std::string, std::string>> by_pid;
  for (const auto& e : snap->entries) {
    const std::string& res = snap->resources[e.resource].name;
    auto& [holds, waits] = by_pid[e.pid];
    if (e.held) holds += (holds.empty() ? "" : ",") + res;
    if (e.waiting) waits += (waits.empty() ? "" : ",") + res;
  }
  for (const auto& [pid, hw] : by_pid)
    out.push_back("pid " + std::to_string(pid) + " holds " + (hw.first.empty() ? "-" : hw.first) + ", waits for " +
                  (hw.second.empty() ? "-" : hw.second));
  return out;
}

}  // namespace

const char* to_string(PhiloStrategy s) {
  switch (s) {
    case PhiloStrategy::naive: return "naive";
    case PhiloStrategy::ordered: return "ordered";
    case PhiloStrategy::waiter: return "waiter";
  }
  return "?";
}

Result<PhiloReport> run_philosophers(const PhiloConfig& c, const std::function<void(const std::string&)>& hold_message) {
  if (c.philosophers < 2 || c.philosophers > kMax)
    return Error::logic("philosophers: need 2.." + std::to_string(kMax) + " philosophers", EINVAL);
  if (c.force_deadlock && c.strategy != PhiloStrategy::naive)
    return Error::logic("philosophers: --force-deadlock needs --strategy naive", EINVAL);
  Children kids;
  IpcNames names;
  PhiloReport r;
  r.config = c;
  // Registry names are short (47 chars) and get their own "corral-reg-" prefix.
  r.registry = unique_run_name("philo").substr(7);
  const std::string seg_name = unique_run_name("philo-state");
  names.add(IpcNames::Kind::boost_shm, waits::Registry::segment_name(r.registry));
  names.add(IpcNames::Kind::boost_shm, seg_name);
  std::unique_ptr<bi::managed_shared_memory> seg;
  Shared* sh = nullptr;
  try {
    seg = std::make_unique<bi::managed_shared_memory>(bi::create_only, seg_name.c_str(), sizeof(Shared) + 65536);
    sh = seg->construct<Shared>("shared")();
  } catch (const std::exception& e) {
    return Error::logic("philosophers: create shared memory " + seg_name + ": " + e.what());
  }
  for (auto& h : sh->holder) h = -1;
  std::vector<TrackedSemaphore> forks;
  for (unsigned i = 0; i < c.philosophers; ++i) {
    auto f = TrackedSemaphore::create(r.registry, "fork" + std::to_string(i), 1);
    if (!f) return f.error();
    forks.push_back(std::move(*f));
  }
  std::optional<TrackedSemaphore> room;
  if (c.strategy == PhiloStrategy::waiter) {
    auto rm = TrackedSemaphore::create(r.registry, "room", c.philosophers - 1);
    if (!rm) return rm.error();
    room.emplace(std::move(*rm));
  }
  Tracer tr(c.trace, now_ns());
  const std::uint64_t start = now_ns();
  sh->last_meal_ns = start;
  for (unsigned i = 0; i < c.philosophers; ++i) {
    const std::string role = "P" + std::to_string(i);
    auto p = kids.spawn(role, [&, i, role] {
      Tracer t = tr;
      t.set_role(role);
      return philosopher(*sh, forks, room, c, i, t);
    });
    if (!p) return p.error();
  }
  const std::uint64_t stall_ns = static_cast<std::uint64_t>(c.stall_timeout_s * 1e9);
  auto w = kids.wait_all(std::chrono::milliseconds(static_cast<long long>(c.timeout_s * 1000)),
                         [&] { return now_ns() - sh->last_meal_ns.load() < stall_ns; });
  if (w.outcome == WaitOutcome::stopped) {
    // No meal for stall_timeout: check the circular wait the textbook predicts.
    unsigned stuck = 0;
    for (unsigned i = 0; i < c.philosophers; ++i)
      stuck += sh->seats[i].phase.load() == want_second && sh->holder[i].load() == static_cast<int>(i) ? 1 : 0;
    r.deadlock = true;
    for (unsigned i = 0; i < c.philosophers; ++i) {
      const int ph = sh->seats[i].phase.load();
      unsigned first = i, second = (i + 1) % c.philosophers;
      if (c.strategy == PhiloStrategy::ordered && second < first) std::swap(first, second);
      std::string holds;
      for (unsigned f = 0; f < c.philosophers; ++f)
        if (sh->holder[f].load() == static_cast<int>(i)) holds += (holds.empty() ? "fork" : ",fork") + std::to_string(f);
      const std::string waits = ph == want_first ? "fork" + std::to_string(first)
                                : ph == want_second ? "fork" + std::to_string(second)
                                                    : "nothing";
      r.cycle.push_back("P" + std::to_string(i) + " holds " + (holds.empty() ? "nothing" : holds) + ", waits for " + waits);
    }
    for (auto& line : describe_waits(r.registry)) r.cycle.push_back("registry: " + line);
    r.end.outcome = WaitOutcome::stopped;
    r.end.failure = "deadlock: no meal for " + fmt_seconds(c.stall_timeout_s) + " s; " + std::to_string(stuck) +
                    " of " + std::to_string(c.philosophers) + " philosophers hold their left fork and wait for the right";
    if (c.hold) {
      if (hold_message) hold_message(to_text(r));
      const int sig = kids.wait_for_signal();
      if (sig) {
        r.end.signal = sig;
        r.end.failure += "; held until signal " + std::to_string(sig);
      }
    }
  } else {
    r.end = RunEnd::from(w);
  }
  kids.kill_all();
  r.seconds = static_cast<double>(now_ns() - start) / 1e9;
  for (unsigned i = 0; i < c.philosophers; ++i) {
    const Seat& s = sh->seats[i];
    r.meals.push_back(s.meals.load());
    r.longest_wait_ms.push_back(static_cast<double>(s.max_wait_ns.load()) / 1e6);
    r.mean_wait_ms.push_back(s.meals.load() ? static_cast<double>(s.total_wait_ns.load()) / 1e6 / s.meals.load() : 0);
  }
  r.neighbour_overlaps = sh->overlaps.load();
  r.fork_conflicts = sh->conflicts.load();
  bool all_fed = true;
  for (auto m : r.meals) all_fed = all_fed && m == c.meals;
  r.verified = !r.deadlock && r.end.ok() && all_fed && r.neighbour_overlaps == 0 && r.fork_conflicts == 0;
  forks.clear();
  room.reset();
  seg.reset();
  names.remove_all();
  return r;
}

int exit_code_for(const PhiloReport& r) {
  if (r.deadlock) return kExitDeadlock;
  return exit_code_for(r.verified, r.end);
}

void to_json(nlohmann::json& j, const PhiloReport& r) {
  const auto& c = r.config;
  j = nlohmann::json{{"demo", "philosophers"},
                     {"registry", r.registry},
                     {"registry_segment", waits::Registry::segment_name(r.registry)},
                     {"config",
                      {{"philosophers", c.philosophers},
                       {"strategy", to_string(c.strategy)},
                       {"meals", c.meals},
                       {"eat_us", c.eat_us},
                       {"think_us", c.think_us},
                       {"force_deadlock", c.force_deadlock}}},
                     {"end", r.end},
                     {"deadlock", r.deadlock},
                     {"cycle", r.cycle},
                     {"meals", r.meals},
                     {"longest_wait_ms", r.longest_wait_ms},
                     {"mean_wait_ms", r.mean_wait_ms},
                     {"neighbour_overlaps", r.neighbour_overlaps},
                     {"fork_conflicts", r.fork_conflicts},
                     {"seconds", r.seconds},
                     {"verified", r.verified}};
}

std::string to_text(const PhiloReport& r) {
  const auto& c = r.config;
  std::string out = "dining philosophers, " + std::string(to_string(c.strategy)) + " strategy: " +
                    std::to_string(c.philosophers) + " philosophers, " + std::to_string(c.meals) +
                    " meals each (forks in registry " + r.registry + ")\n";
  if (r.deadlock) {
    out += "  DEADLOCK: " + r.end.failure + "\n";
    for (const auto& l : r.cycle) out += "    " + l + "\n";
  } else if (!r.end.ok()) {
    out += "  run: " + r.end.failure + "\n";
  }
  for (std::size_t i = 0; i < r.meals.size(); ++i) {
    char b[160];
    std::snprintf(b, sizeof b, "  P%zu: %llu meals, longest wait %.1f ms, mean wait %.2f ms\n", i,
                  static_cast<unsigned long long>(r.meals[i]), r.longest_wait_ms[i], r.mean_wait_ms[i]);
    out += b;
  }
  char b[200];
  std::snprintf(b, sizeof b, "  neighbours eating together: %llu, fork held by two: %llu, %.2f s\n",
                static_cast<unsigned long long>(r.neighbour_overlaps), static_cast<unsigned long long>(r.fork_conflicts),
                r.seconds);
  out += b;
  out += std::string("invariants: ") +
         (r.verified ? "HELD (everyone ate every meal, no neighbours ate together, no deadlock)"
                     : (r.deadlock ? "deadlock (circular wait on the forks)" : "VIOLATED or run incomplete")) +
         "\n";
  return out;
}

}  // namespace corral::ipc
