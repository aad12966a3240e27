// SPDX-License-Identifier: Apache-2.0
// The queue runner: corrald's long-term scheduler. It keeps the job queues of the
// config ([queue.NAME]; "default" always exists), admits submitted jobs (New), and
// carries out what each queue's jobs::AdmissionQueue decides under its policy, the
// same decision code the `schedule simulate` laboratory runs:
//   - Dispatch: a New job is launched through corral's launcher, as its submitter,
//     into its own cgroup below corrald's subtree (in the queue's fair-share group:
//     "<group>/.jobs/<id>"); a preempted job is thawed. State Running.
//   - Preempt (RR quantum expiry, SRT on arrival, FB demotion): the job's cgroup is
//     frozen (without cgroups: SIGSTOP to its process group). State Ready/Suspend.
// Service time is the CPU the job consumed (cpuacct.usage / cpu.stat of its cgroup,
// or its process's utime+stime), never the wall time it held a slot. The quantum
// timer (the event loop's timerfd) is armed only while a queue with a quantum has a
// running job: an idle queue never wakes corrald.
//
// Jobs and queues outlive corrald: every change is written to state_dir/jobs.json
// (coalesced), and at start a job recorded as running is re-adopted when its pid
// still has the recorded start time, or marked as ended while corrald was down.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../control_server.hpp"
#include "../event_bus.hpp"
#include "../event_loop.hpp"
#include "../fair_share.hpp"
#include "../supervisor.hpp"
#include "corral/config/queue_config.hpp"
#include "corral/metrics/exposition.hpp"
#include "corral/jobs/admission_queue.hpp"
#include "corral/jobs/estimator.hpp"
#include "job.hpp"

namespace corral::daemon {

class QueueRunner {
 public:
  // Exit records kept (the oldest finished ones go first beyond this).
  static constexpr std::size_t kKeptFinished = 20000;

  QueueRunner(EventLoop& loop, Supervisor& sup, ControlServer& server, EventBus& events, FairShare* fair,
              std::string state_dir, std::string log_dir);
  ~QueueRunner();

  // Start-up: the configured queues, then the jobs file (re-adopting what still runs).
  void init(const std::map<std::string, config::QueueConfig>& queues);
  // Reload: slots, max_queued, group and estimate apply at once; a new policy once
  // the queue has no live job.
  void reload(const std::map<std::string, config::QueueConfig>& queues);
  // submit, jobs, job-show, job-wait, job-cancel, job-logs, queue-list, queue-pause, queue-resume.
  void handle(ClientId id, const Peer& peer, const protocol::Request& req);
  void forget_client(ClientId id);

  // corral_queue_* families for the metrics exposition (queue_metrics.cpp).
  void add_metrics(std::vector<metrics::Family>& out) const;
  // For benchmarks and metrics: the time the last scheduling decision took.
  double last_decision_s() const { return last_decision_s_; }

 private:
  struct Queue {
    explicit Queue(const config::QueueConfig& c);
    config::QueueConfig cfg;
    jobs::AdmissionQueue aq;
    jobs::Estimator estimator;
    bool paused = false;
    std::uint64_t admitted = 0, finished = 0;
    double sum_turnaround_s = 0, sum_normalized = 0;
    std::uint64_t normalized_count = 0;
    std::uint64_t live = 0;  // jobs not in Exit
  };
  struct Waiter {
    ClientId client;
    std::vector<std::uint64_t> ids;
  };
  struct Follower {
    ClientId client;
    std::uint64_t job;
    std::uint64_t offset;  // bytes of the log already sent
  };

  void submit(ClientId id, const Peer& peer, const protocol::Request& req);
  void list(ClientId id, const Peer& peer, const protocol::Request& req);
  void show(ClientId id, const Peer& peer, const protocol::Request& req);
  void wait(ClientId id, const Peer& peer, const protocol::Request& req);
  void cancel(ClientId id, const Peer& peer, const protocol::Request& req);
  void logs(ClientId id, const Peer& peer, const protocol::Request& req);
  void queue_list(ClientId id);
  void queue_pause(ClientId id, const protocol::Request& req, bool pause);
  // The jobs named by req.names that the peer may see, or a reply saying which one not.
  std::optional<std::vector<Job*>> resolve(ClientId id, const Peer& peer, const protocol::Request& req);

  // Scheduling: measure the running jobs, let the queue decide, carry it out.
  void schedule(Queue& q);
  void schedule_all();
  void rearm_quantum_timer();
  bool start_job(Job& j, Queue& q);  // false: the launch failed (the job is in Exit)
  void preempt_job(Job& j);
  void resume_job(Job& j);
  void job_ended(std::uint64_t id, std::optional<int> wait_status, const std::string& why);
  void finish(Job& j, Queue& q, int exit_status, const std::string& text);
  void watch_adopted(Job& j);
  std::int64_t cpu_ns(const Job& j) const;
  void set_state(Job& j, JobState to, const std::string& reason);
  void reply_waiters();
  void pump_followers(std::uint64_t job, bool last);
  void arm_follow_timer();
  nlohmann::json queue_row(const std::string& name, const Queue& q) const;
  void trim_finished();

  void restore();
  void save_soon();
  void save_now();

  Queue& queue_for(const std::string& name);  // made with the defaults when unknown (a restored job's)
  Job* find(std::uint64_t id);
  std::string log_path(std::uint64_t id) const;
  cgroup::Cgroups* cgroups() const { return fair_ ? fair_->cgroups() : nullptr; }

  EventLoop& loop_;
  Supervisor& sup_;
  ControlServer& server_;
  EventBus& events_;
  FairShare* fair_;
  std::string state_dir_, log_dir_;
  std::map<std::string, std::unique_ptr<Queue>> queues_;
  std::map<std::uint64_t, Job> jobs_;
  std::uint64_t next_id_ = 1;
  std::vector<Waiter> waiters_;
  std::vector<Follower> followers_;
  std::map<std::uint64_t, UniqueFd> pidfds_;  // re-adopted jobs: corrald is not their parent
  EventBus::SubscriptionId sub_ = 0;
  TimerId quantum_timer_ = 0;
  std::int64_t quantum_at_ = 0;
  TimerId save_timer_ = 0;
  std::chrono::nanoseconds last_save_{0};  // how long the last write of the jobs file took
  TimerId follow_timer_ = 0;
  bool stopping_ = false;
  bool save_error_reported_ = false;
  double last_decision_s_ = 0;
};

}  // namespace corral::daemon
