// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/semaphore_demo.hpp"

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <thread>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/interprocess_semaphore.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>

#include "corral/ipc/clock.hpp"
#include "corral/ipc/fifo_semaphore.hpp"
#include "corral/ipc/ipc_names.hpp"
#include "corral/ipc/proc_blocked.hpp"
#include "corral/ipc/run_name.hpp"
#include "corral/ipc/trace.hpp"

namespace bi = boost::interprocess;

namespace corral::ipc {

namespace {

constexpr unsigned kMaxProcs = 32;

enum State : int { idle = 0, waiting = 1, passed = 2 };

struct Slot {
  bi::interprocess_semaphore go{0};  // the parent's "your turn to call wait()"
  std::atomic<int> state{idle};
  std::atomic<std::int64_t> value_after{0};
  std::atomic<int> pass_order{-1};
};

struct Shared {
  explicit Shared(int initial) : strong(initial), weak(static_cast<unsigned>(initial)), textbook(initial) {}
  FifoSemaphore strong;
  bi::interprocess_semaphore weak;
  // The textbook counter kept beside the real sem_t, which cannot go negative.
  bi::interprocess_mutex textbook_mutex;
  std::int64_t textbook;
  std::atomic<int> passes{0};
  Slot slots[kMaxProcs];
};

using Lock = bi::scoped_lock<bi::interprocess_mutex>;

// Polls a condition until the deadline; the demo's steps are waited for, never
// slept on. A signal or a child that dies ends the wait at once (abort is set).
struct Poller {
  Children& kids;
  std::uint64_t deadline;
  std::optional<Children::Wait> abort;
  template <typename F>
  bool until(F f) {
    while (!f()) {
      if (abort || now_ns() > deadline) return false;
      auto w = kids.wait_all(std::chrono::milliseconds(0));
      if (w.outcome == WaitOutcome::child_failed || w.outcome == WaitOutcome::interrupted) {
        abort = w;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return true;
  }
};

int child(Shared& sh, SemKind kind, unsigned i, const SemaphoreDemoConfig& c, const Tracer& tr) {
  Slot& me = sh.slots[i];
  me.go.wait();
  if (c.rt) {
    // Later arrivals get higher priorities: a priority-ordered (weak) wake-up
    // then shows up as LIFO, a strong semaphore stays FIFO.
    sched_param sp{};
    sp.sched_priority = 10 + static_cast<int>(i);
    ::sched_setscheduler(0, SCHED_FIFO, &sp);
  }
  std::int64_t v;
  if (kind == SemKind::strong) {
    me.state = waiting;
    tr("wait(S) [strong]");
    v = sh.strong.wait();  // value_after is known only inside; publish after
    me.value_after = v;
  } else {
    {
      Lock l(sh.textbook_mutex);
      v = --sh.textbook;
    }
    me.value_after = v;
    me.state = waiting;
    tr("wait(S) [weak] value now %lld", static_cast<long long>(v));
    sh.weak.wait();
  }
  me.pass_order = sh.passes.fetch_add(1);
  me.state = passed;
  tr("passed wait(S)");
  return 0;
}

SemKindReport run_kind(SemKind kind, const SemaphoreDemoConfig& c, Shared& sh, Children& kids, const Tracer& tr,
                       Poller& poll) {
  SemKindReport k;
  k.kind = kind;
  std::vector<pid_t> pid(c.processes);
  for (unsigned i = 0; i < c.processes; ++i) {
    const std::string role = "P" + std::to_string(i + 1);
    auto p = kids.spawn(role, [&, i, role] {
      Tracer t = tr;
      t.set_role(role);
      return child(sh, kind, i, c, t);
    });
    if (!p) {
      k.problem = p.error().message;
      return k;
    }
    pid[i] = *p;
  }
  std::int64_t value = c.initial;
  std::vector<unsigned> blocked_idx;
  for (unsigned i = 0; i < c.processes; ++i) {
    Slot& s = sh.slots[i];
    const int passes_before = sh.passes.load();
    s.go.post();
    SemStep step;
    step.action = "P" + std::to_string(i + 1) + " wait";
    step.value_before = value;
    // It either passes, or is waiting and asleep in the kernel.
    KernelWait kw;
    const bool settled = poll.until(
        [&] {
          if (s.state.load() == passed) return true;
          if (s.state.load() != waiting) return false;
          kw = kernel_wait_of(pid[i]);
          return kw.blocked();
        });
    if (!settled) {
      k.problem = poll.abort ? "run aborted: " + poll.abort->describe()
                             : step.action + ": neither passed nor blocked before the deadline";
      return k;
    }
    if (kind == SemKind::strong && s.state.load() != passed) {
      // A blocked strong waiter cannot publish its value yet; the semaphore's own
      // value is the textbook one, so read it.
      step.value_after = sh.strong.value();
    } else {
      step.value_after = s.value_after.load();
    }
    if (s.state.load() == passed) {
      step.outcome = "passes";
      k.passed_at_once++;
      // Make sure it is counted before the next process moves.
      poll.until([&] { return sh.passes.load() > passes_before; });
    } else {
      step.outcome = "blocks (kernel state " + std::string(1, kw.state) +
                     (kw.wchan.empty() || kw.wchan == "0" ? "" : ", wchan " + kw.wchan) + ")";
      k.blocked++;
      k.blocked_in_kernel++;
      blocked_idx.push_back(i);
      k.arrival_order.push_back(i + 1);
    }
    value = step.value_after;
    k.steps.push_back(step);
  }
  // Signal once per blocked process and see who wakes.
  for (std::size_t n = 0; n < blocked_idx.size(); ++n) {
    SemStep step;
    step.action = "signal";
    step.value_before = value;
    const int passes_before = sh.passes.load();
    tr("signal(S) [%s]", to_string(kind));
    if (kind == SemKind::strong) {
      step.value_after = sh.strong.signal();
    } else {
      {
        Lock l(sh.textbook_mutex);
        step.value_after = ++sh.textbook;
      }
      sh.weak.post();
    }
    value = step.value_after;
    if (!poll.until([&] { return sh.passes.load() > passes_before; })) {
      k.problem = poll.abort ? "run aborted: " + poll.abort->describe() : "signal released nobody before the deadline";
      return k;
    }
    unsigned woke = 0;
    for (unsigned i : blocked_idx)
      if (sh.slots[i].pass_order.load() == passes_before) woke = i + 1;
    step.outcome = woke ? "wakes P" + std::to_string(woke) : "wakes ?";
    k.wake_order.push_back(woke);
    k.steps.push_back(step);
  }
  k.fifo = k.wake_order == k.arrival_order;
  k.final_value = kind == SemKind::strong ? sh.strong.value() : value;
  const unsigned expect_pass = c.initial > 0 ? std::min<unsigned>(static_cast<unsigned>(c.initial), c.processes) : 0;
  // What the textbook promises, checked: the first `initial` pass, the rest block
  // (and are asleep in the kernel), each signal wakes exactly one, the value
  // ends at initial - processes + signals, and a strong semaphore is FIFO.
  bool values_ok = true;
  for (unsigned i = 0; i < c.processes; ++i)
    values_ok = values_ok && k.steps[i].value_after == c.initial - static_cast<std::int64_t>(i) - 1;
  k.verified = k.passed_at_once == expect_pass && k.blocked == c.processes - expect_pass &&
               k.blocked_in_kernel == k.blocked && values_ok && k.wake_order.size() == k.blocked &&
               sh.passes.load() == static_cast<int>(c.processes) &&
               k.final_value == c.initial - static_cast<std::int64_t>(c.processes) + static_cast<std::int64_t>(k.blocked) &&
               (kind == SemKind::weak || k.fifo);
  if (!k.verified && k.problem.empty())
    k.problem = kind == SemKind::strong && !k.fifo ? "strong semaphore woke out of FIFO order" : "a textbook step did not hold";
  return k;
}

}  // namespace

const char* to_string(SemKind k) { return k == SemKind::strong ? "strong" : "weak"; }

Result<SemaphoreDemoReport> run_semaphore_demo(const SemaphoreDemoConfig& c) {
  if (c.processes == 0 || c.processes > kMaxProcs) return Error::logic("semaphore: processes must be 1..32", EINVAL);
  if (c.initial < 0) return Error::logic("semaphore: initial value must be >= 0", EINVAL);
  Children kids;
  IpcNames names;
  SemaphoreDemoReport r;
  r.config = c;
  r.segment = unique_run_name("semaphore");
  names.add(IpcNames::Kind::boost_shm, r.segment);
  std::unique_ptr<bi::managed_shared_memory> seg;
  Tracer tr(c.trace, now_ns());
  const std::uint64_t deadline = now_ns() + static_cast<std::uint64_t>(c.timeout_s * 1e9);
  r.verified = true;
  for (SemKind kind : c.kinds) {
    Shared* sh = nullptr;
    try {
      seg.reset();
      bi::shared_memory_object::remove(r.segment.c_str());
      seg = std::make_unique<bi::managed_shared_memory>(bi::create_only, r.segment.c_str(), sizeof(Shared) + 65536);
      sh = seg->construct<Shared>("shared")(c.initial);
    } catch (const std::exception& e) {
      return Error::logic("semaphore: create shared memory " + r.segment + ": " + e.what());
    }
    Poller poll{kids, deadline, std::nullopt};
    r.kinds.push_back(run_kind(kind, c, *sh, kids, tr, poll));
    const auto w = poll.abort ? *poll.abort : kids.wait_all(std::chrono::milliseconds(
        static_cast<long long>(std::max<double>(1000, static_cast<double>(deadline - std::min(deadline, now_ns())) / 1e6))));
    kids.kill_all();
    r.end = RunEnd::from(w);
    r.verified = r.verified && r.kinds.back().verified && r.end.ok();
    if (!r.end.ok()) break;
  }
  seg.reset();
  names.remove_all();
  return r;
}

void to_json(nlohmann::json& j, const SemaphoreDemoReport& r) {
  j = nlohmann::json{{"demo", "semaphore"},
                     {"segment", r.segment},
                     {"config", {{"initial", r.config.initial}, {"processes", r.config.processes}, {"rt", r.config.rt}}},
                     {"end", r.end},
                     {"verified", r.verified}};
  auto& ks = j["kinds"] = nlohmann::json::array();
  for (const auto& k : r.kinds) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : k.steps)
      steps.push_back({{"action", s.action}, {"value_before", s.value_before}, {"value_after", s.value_after},
                       {"outcome", s.outcome}});
    ks.push_back({{"kind", to_string(k.kind)},
                  {"steps", steps},
                  {"passed_at_once", k.passed_at_once},
                  {"blocked", k.blocked},
                  {"blocked_in_kernel", k.blocked_in_kernel},
                  {"blocking_order", k.arrival_order},
                  {"wake_order", k.wake_order},
                  {"fifo", k.fifo},
                  {"final_value", k.final_value},
                  {"verified", k.verified},
                  {"problem", k.problem}});
  }
}

std::string to_text(const SemaphoreDemoReport& r) {
  std::string out;
  auto order = [](const std::vector<unsigned>& v) {
    std::string s;
    for (unsigned p : v) s += (s.empty() ? "P" : " P") + std::to_string(p);
    return s.empty() ? std::string("-") : s;
  };
  for (const auto& k : r.kinds) {
    out += std::string(k.kind == SemKind::strong ? "strong semaphore (FIFO tickets over a mutex + condition)"
                                                 : "weak semaphore (interprocess_semaphore = sem_t; the kernel picks)") +
           ", initial value " + std::to_string(r.config.initial) + (r.config.rt ? ", waiters SCHED_FIFO rising" : "") +
           "\n";
    for (const auto& s : k.steps) {
      char line[256];
      std::snprintf(line, sizeof line, "  %-10s value %3lld -> %3lld   %s\n", s.action.c_str(),
                    static_cast<long long>(s.value_before), static_cast<long long>(s.value_after), s.outcome.c_str());
      out += line;
    }
    out += "  blocked in order: " + order(k.arrival_order) + "; woken in order: " + order(k.wake_order) +
           (k.fifo ? " (FIFO)" : " (not FIFO)") + "\n";
    out += std::string("  ") + (k.verified ? "semantics held" : "NOT verified: " + k.problem) + "\n";
  }
  if (!r.end.ok()) out += "run: " + r.end.failure + "\n";
  out += std::string("invariants: ") + (r.verified ? "HELD" : "VIOLATED or run incomplete") + "\n";
  return out;
}

}  // namespace corral::ipc
