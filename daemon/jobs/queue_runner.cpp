// SPDX-License-Identifier: Apache-2.0
// The queue runner's scheduling half: admission, dispatch, preemption and the end
// of a job. The requests are in job_requests.cpp, persistence in job_persist.cpp.
#include "queue_runner.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "../daemon_log.hpp"
#include "corral/base/file_read.hpp"
#include "corral/cgroup/cgroup_v1.hpp"
#include "corral/launch/launch.hpp"
#include "corral/persist/state_file.hpp"
#include "corral/proc/parsers.hpp"
#include "job_clock.hpp"

namespace corral::daemon {

using namespace std::chrono_literals;

namespace {

// SRT's tie window: a job's CPU time trails the time it held its slot by its
// launch (the fork, its cgroup, the exec: 5-20 ms on a busy machine) and each
// thaw, which must not turn the textbook's exact ties into wins for whoever was
// measured short. Jobs are seconds to hours long; 25 ms decides nothing else.
constexpr jobs::Tick kSrtGranularityNs = 25'000'000;

jobs::AdmissionQueue admission_queue_for(const config::QueueConfig& c) {
  jobs::AdmissionQueue aq(c.policy, static_cast<int>(c.slots));
  aq.set_granularity(kSrtGranularityNs);
  return aq;
}

}  // namespace

QueueRunner::Queue::Queue(const config::QueueConfig& c)
    : cfg(c), aq(admission_queue_for(c)), estimator(c.estimate.value_or(jobs::EstimatorSpec{})) {}

QueueRunner::QueueRunner(EventLoop& loop, Supervisor& sup, ControlServer& server, EventBus& events, FairShare* fair,
                         std::string state_dir, std::string log_dir)
    : loop_(loop), sup_(sup), server_(server), events_(events), fair_(fair), state_dir_(std::move(state_dir)),
      log_dir_(std::move(log_dir)) {
  // corrald stopping: no job starts or moves any more, and the file keeps what runs
  // (the jobs outlive corrald and are re-adopted by the next one).
  sub_ = events_.subscribe([this](const DaemonEvent& e) {
    if (e.kind == DaemonEvent::Kind::Daemon && e.reason == "stopping" && !stopping_) {
      stopping_ = true;
      if (quantum_timer_) loop_.cancel_timer(quantum_timer_);
      quantum_timer_ = 0;
      save_now();
    }
  });
}

QueueRunner::~QueueRunner() {
  events_.unsubscribe(sub_);
  for (TimerId t : {quantum_timer_, save_timer_, follow_timer_})
    if (t) loop_.cancel_timer(t);
  if (save_timer_) save_now();
  for (auto& [id, fd] : pidfds_) loop_.remove(fd.get());
}

void QueueRunner::init(const std::map<std::string, config::QueueConfig>& queues) {
  for (const auto& [name, cfg] : queues) queues_[name] = std::make_unique<Queue>(cfg);
  if (!queues_.count(config::kDefaultQueue))
    queues_[config::kDefaultQueue] = std::make_unique<Queue>(config::default_queue_config());
  ::mkdir((log_dir_ + "/jobs").c_str(), 0750);
  restore();
  schedule_all();
}

void QueueRunner::reload(const std::map<std::string, config::QueueConfig>& queues) {
  for (const auto& [name, cfg] : queues) {
    auto it = queues_.find(name);
    if (it == queues_.end()) {
      queues_[name] = std::make_unique<Queue>(cfg);
      continue;
    }
    Queue& q = *it->second;
    if (q.cfg == cfg) continue;
    if (!(q.cfg.policy == cfg.policy)) {
      if (q.live == 0) {
        q.aq = admission_queue_for(cfg);
      } else {
        log_line("reload: queue %s keeps policy %s until its %llu jobs are done", name.c_str(),
                 std::string(jobs::policy_name(q.cfg.policy.kind)).c_str(), static_cast<unsigned long long>(q.live));
        config::QueueConfig keep = cfg;
        keep.policy = q.cfg.policy;
        q.cfg = keep;
        q.aq.set_slots(static_cast<int>(cfg.slots));
        continue;
      }
    }
    q.cfg = cfg;
    q.aq.set_slots(static_cast<int>(cfg.slots));
  }
  schedule_all();
}

QueueRunner::Queue& QueueRunner::queue_for(const std::string& name) {
  auto it = queues_.find(name);
  if (it != queues_.end()) return *it->second;
  log_line("jobs: queue %s is no longer configured; its jobs run with the default settings", name.c_str());
  return *(queues_[name] = std::make_unique<Queue>(config::default_queue_config(name)));
}

Job* QueueRunner::find(std::uint64_t id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

std::string QueueRunner::log_path(std::uint64_t id) const { return log_dir_ + "/jobs/" + std::to_string(id) + ".log"; }

void QueueRunner::set_state(Job& j, JobState to, const std::string& reason) {
  if (j.state == to) return;
  JobState from = j.state;
  j.state = to;
  DaemonEvent e;
  e.kind = DaemonEvent::Kind::Job;
  e.service = "job-" + std::to_string(j.id);
  e.from = std::string(job_state_name(from));
  e.to = std::string(job_state_name(to));
  e.reason = reason;
  e.pid = j.pid;
  events_.publish(std::move(e));
  // A preemption or a dispatch again is not written: with a 10 ms quantum and
  // thousands of jobs on record the file would be rewritten all the time. At
  // start, restore() freezes and thaws the jobs it re-adopts to fit the slots
  // whatever the file says of them.
  const bool quantum_switch = (from == JobState::Running && to == JobState::ReadySuspend) ||
                              (from == JobState::ReadySuspend && to == JobState::Running);
  if (!quantum_switch) save_soon();
}

std::int64_t QueueRunner::cpu_ns(const Job& j) const {
  if (cgroup::Cgroups* cg = cgroups(); cg && !j.cgroup.empty()) {
    if (auto u = cg->cpu_and_memory(j.cgroup)) return static_cast<std::int64_t>(u->cpu_ns);
  }
  if (j.pid <= 0) return j.service_ns;
  auto text = read_file("/proc/" + std::to_string(j.pid) + "/stat");
  if (!text) return j.service_ns;
  auto st = proc::parse_stat(*text);
  if (!st || st->starttime != j.start_time) return j.service_ns;
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  return static_cast<std::int64_t>((st->utime + st->stime) * (1'000'000'000ULL / static_cast<std::uint64_t>(ticks)));
}

void QueueRunner::schedule_all() {
  for (auto& [name, q] : queues_) schedule(*q);
}

void QueueRunner::schedule(Queue& q) {
  if (stopping_) return;
  const auto t0 = std::chrono::steady_clock::now();
  const jobs::Tick now = monotonic_ns();
  // The service each running job really received: CPU time, not time holding a slot.
  for (const auto& r : q.aq.running_jobs()) {
    Job* j = find(r.id);
    if (!j || j->pid <= 0) continue;
    j->service_ns = std::max(j->service_ns, cpu_ns(*j));
    q.aq.set_used(r.id, j->service_ns, now);
  }
  if (!q.paused) {
    // A failed launch frees its slot at once: decide again (each round retires one job).
    for (std::size_t round = 0; round <= jobs_.size(); ++round) {
      bool failed = false;
      for (const auto& d : q.aq.decide(now)) {
        Job* j = find(d.id);
        if (!j) {
          q.aq.remove(d.id);
          continue;
        }
        if (d.kind == jobs::Decision::Kind::Preempt) preempt_job(*j);
        else if (j->state == JobState::New) failed |= !start_job(*j, q);
        else resume_job(*j);
      }
      if (!failed) break;
    }
  }
  last_decision_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rearm_quantum_timer();
}

void QueueRunner::rearm_quantum_timer() {
  jobs::Tick next = jobs::kForever;
  if (!stopping_)
    for (const auto& [name, q] : queues_)
      if (!q->paused) next = std::min(next, q->aq.next_expiry());
  if (next == quantum_at_ && quantum_timer_) return;
  if (quantum_timer_) loop_.cancel_timer(quantum_timer_);
  quantum_timer_ = 0;
  quantum_at_ = next;
  if (next == jobs::kForever) return;  // no running job has a quantum: no wake-ups
  quantum_timer_ = loop_.add_timer(SteadyTime(std::chrono::nanoseconds(next)), [this] {
    quantum_timer_ = 0;
    quantum_at_ = 0;
    schedule_all();
  });
}

bool QueueRunner::start_job(Job& j, Queue& q) {
  launch::LaunchSpec ls;
  ls.argv = j.argv;
  ls.env = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
            {"CORRAL_JOB_ID", std::to_string(j.id)},
            {"CORRAL_QUEUE", j.queue}};
  for (const auto& [k, v] : j.env) ls.env[k] = v;
  ls.cwd = j.cwd;
  if (!j.user.empty()) {
    ls.user = j.user;
  } else if (j.uid != 0 || j.gid != 0) {
    ls.user = std::to_string(j.uid);
    ls.group = std::to_string(j.gid);
  }
  ls.stdin_target = launch::StdioTarget::null();
  ls.stdout_target = launch::StdioTarget::file(log_path(j.id), true);
  ls.stderr_target = launch::StdioTarget::file(log_path(j.id), true);
  ls.new_session = true;  // its own process group: the signal fallback stops all of it
  ls.parent_death_signal = 0;  // a job outlives corrald (the next one re-adopts it)

  cgroup::Cgroups* cg = cgroups();
  auto* v1 = dynamic_cast<cgroup::CgroupV1*>(cg);
  j.cgroup.clear();
  if (cg) {
    std::string path = q.cfg.group + "/.jobs/" + std::to_string(j.id);
    if (Status st = cg->create(path); !st) {
      log_line("job %llu: no cgroup (%s); SIGSTOP/SIGCONT will preempt it", static_cast<unsigned long long>(j.id),
               st.error().message.c_str());
    } else {
      j.cgroup = path;
      if (v1) {
        auto it = v1->dirs().find(cgroup::Controller::Freezer);
        if (it == v1->dirs().end()) it = v1->dirs().begin();
        ls.cgroup_procs_path = it->second + "/" + path + "/cgroup.procs";
      } else {
        ls.cgroup_procs_path = cg->describe(path) + "/cgroup.procs";
      }
    }
  }

  auto r = launch::launch(ls);
  const std::int64_t now = monotonic_ns();
  if (!r) {
    if (cg && !j.cgroup.empty()) (void)cg->remove(j.cgroup);
    j.cgroup.clear();
    j.start_ns = now;
    j.started_ms = wall_ms_now();
    log_line("job %llu: %s", static_cast<unsigned long long>(j.id), r.error().message.c_str());
    finish(j, q, 127, "failed to start: " + r.error().message);
    return false;
  }
  j.pid = r->pid;
  if (auto id = persist::read_identity(j.pid)) j.start_time = id->start_time;
  if (v1 && !j.cgroup.empty()) {
    // v1: the child joined the freezer before exec; cpuacct (its service time) and the rest now.
    std::set<std::string> done;
    for (const auto& [ctl, dir] : v1->dirs()) {
      if (!done.insert(dir).second) continue;
      if (Status st = write_file(dir + "/" + j.cgroup + "/cgroup.procs", std::to_string(j.pid)); !st)
        log_line("job %llu: not in its %s cgroup: %s", static_cast<unsigned long long>(j.id),
                 std::string(cgroup::to_string(ctl)).c_str(), st.error().message.c_str());
    }
  }
  const std::uint64_t id = j.id;
  sup_.watch_child(j.pid, [this, id](int ws) { job_ended(id, ws, ""); });
  j.start_ns = now;
  j.started_ms = wall_ms_now();
  set_state(j, JobState::Running, "dispatched (pid " + std::to_string(j.pid) + ")");
  return true;
}

void QueueRunner::preempt_job(Job& j) {
  cgroup::Cgroups* cg = cgroups();
  Status st;
  // Asked, not awaited: a v1 group can sit in FREEZING for a while (a task in
  // uninterruptible sleep), and the loop has clients and the next job to serve.
  if (cg && !j.cgroup.empty()) st = cg->freeze(j.cgroup, 0ms);
  else if (j.pid > 0 && ::kill(-j.pid, SIGSTOP) != 0) st = errno_error("SIGSTOP job " + std::to_string(j.id));
  if (!st) log_line("job %llu: %s", static_cast<unsigned long long>(j.id), st.error().message.c_str());
  set_state(j, JobState::ReadySuspend, "preempted");
}

void QueueRunner::resume_job(Job& j) {
  cgroup::Cgroups* cg = cgroups();
  Status st;
  if (cg && !j.cgroup.empty()) st = cg->thaw(j.cgroup, 0ms);
  else if (j.pid > 0 && ::kill(-j.pid, SIGCONT) != 0) st = errno_error("SIGCONT job " + std::to_string(j.id));
  if (!st) log_line("job %llu: %s", static_cast<unsigned long long>(j.id), st.error().message.c_str());
  set_state(j, JobState::Running, "dispatched again");
}

void QueueRunner::job_ended(std::uint64_t id, std::optional<int> ws, const std::string& why) {
  Job* j = find(id);
  if (!j || !j->live()) return;
  Queue& q = queue_for(j->queue);
  int status = -1;
  std::string text = why;
  if (ws) {
    auto info = exit_info_from_status(*ws);
    status = info.signal ? 128 + info.signal : info.code;
    text = info.description;
  }
  if (j->cancelled) text = "cancelled (" + text + ")";
  finish(*j, q, status, text);
  schedule(q);
}

void QueueRunner::finish(Job& j, Queue& q, int exit_status, const std::string& text) {
  if (auto it = pidfds_.find(j.id); it != pidfds_.end()) {
    loop_.remove(it->second.get());
    pidfds_.erase(it);
  }
  j.service_ns = std::max(j.service_ns, cpu_ns(j));  // before its cgroup goes
  if (cgroup::Cgroups* cg = cgroups(); cg && !j.cgroup.empty() && cg->exists(j.cgroup)) {
    // What the job left behind (a daemonised grandchild) goes with it.
    if (auto left = cg->procs(j.cgroup); left && !left->empty()) (void)cg->kill(j.cgroup, 2000ms);
    if (Status st = cg->remove(j.cgroup); !st) log_line("job %llu: %s", static_cast<unsigned long long>(j.id), st.error().message.c_str());
  }
  q.aq.remove(j.id);
  j.finish_ns = monotonic_ns();
  j.finished_ms = wall_ms_now();
  j.exit_status = exit_status;
  j.exit_text = text;
  if (q.live > 0) --q.live;
  ++q.finished;
  const double tr = static_cast<double>(j.finish_ns - j.arrival_ns) / 1e9;
  q.sum_turnaround_s += tr;
  if (j.service_ns > 0) {
    q.sum_normalized += tr / (static_cast<double>(j.service_ns) / 1e9);
    ++q.normalized_count;
  }
  // A label learns from runs that ended by themselves (not cancelled, not failed to start).
  if (!j.label.empty() && !j.cancelled && j.start_ns >= 0 && j.service_ns > 0 && exit_status != 127)
    q.estimator.observe(j.label, static_cast<double>(j.service_ns));
  set_state(j, JobState::Exit, text);
  j.pid = 0;
  pump_followers(j.id, true);
  reply_waiters();
  trim_finished();
}

void QueueRunner::watch_adopted(Job& j) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, j.pid, 0));
  if (fd < 0) {
    job_ended(j.id, std::nullopt, "ended while corrald was down (exit status unknown)");
    return;
  }
  const std::uint64_t id = j.id;
  pidfds_[id] = UniqueFd(fd);
  Status st = loop_.add(fd, EPOLLIN, [this, id](std::uint32_t) {
    // Not our child: the exit status went to its new parent.
    job_ended(id, std::nullopt, "ended (exit status unknown: started by an earlier corrald)");
  });
  if (!st) log_line("job %llu: %s", static_cast<unsigned long long>(id), st.error().message.c_str());
}

void QueueRunner::trim_finished() {
  std::size_t finished = 0;
  for (const auto& [id, j] : jobs_) finished += j.live() ? 0 : 1;
  for (auto it = jobs_.begin(); it != jobs_.end() && finished > kKeptFinished;) {
    if (!it->second.live()) {
      ::unlink(log_path(it->first).c_str());
      it = jobs_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
}

}  // namespace corral::daemon
