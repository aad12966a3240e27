// SPDX-License-Identifier: Apache-2.0
// The queue runner's persistence: jobs.json in state_dir, written at the end of a
// short coalescing window after a change (never on a periodic timer), and read back
// at start, when what was running is re-adopted or marked as ended.
#include <algorithm>
#include <chrono>

#include "../daemon_log.hpp"
#include "corral/persist/state_file.hpp"
#include "job_clock.hpp"
#include "job_store.hpp"
#include "queue_runner.hpp"

namespace corral::daemon {

using nlohmann::json;

namespace {
constexpr auto kSaveWindow = std::chrono::milliseconds(50);
}

void QueueRunner::save_soon() {
  if (save_timer_) return;
  // At least twice as long as the last write took: with many jobs on record, a burst
  // of submissions spends at most a third of corrald's time writing the file.
  const auto window = std::max<std::chrono::nanoseconds>(kSaveWindow, 2 * last_save_);
  save_timer_ = loop_.add_timer(std::chrono::steady_clock::now() + window, [this] {
    save_timer_ = 0;
    save_now();
  });
}

void QueueRunner::save_now() {
  if (save_timer_) loop_.cancel_timer(save_timer_);
  save_timer_ = 0;
  const auto t0 = std::chrono::steady_clock::now();
  json queues = json::object();
  for (const auto& [name, q] : queues_) {
    json labels = json::object();
    for (const auto& [label, h] : q->estimator.labels()) labels[label] = json{{"runs", h.runs}, {"prediction", h.prediction}};
    queues[name] = json{{"paused", q->paused},
                        {"admitted", q->admitted},
                        {"finished", q->finished},
                        {"sum_turnaround_s", q->sum_turnaround_s},
                        {"sum_normalized", q->sum_normalized},
                        {"normalized_count", q->normalized_count},
                        {"labels", std::move(labels)}};
  }
  json list = json::array();
  const std::int64_t now = monotonic_ns();
  for (const auto& [id, j] : jobs_) {
    json o = job_to_json(j, now);
    o["pid"] = j.pid;  // a live job's, for re-adoption
    list.push_back(std::move(o));
  }
  json doc{{"version", kJobsFileVersion},
           {"boot", persist::current_boot_id_hash()},
           {"next_id", next_id_},
           {"queues", std::move(queues)},
           {"jobs", std::move(list)}};
  if (Status st = write_jobs_file(state_dir_, doc); !st) {
    if (!save_error_reported_) log_line("jobs: %s", st.error().message.c_str());
    save_error_reported_ = true;
  } else {
    save_error_reported_ = false;
  }
  last_save_ = std::chrono::steady_clock::now() - t0;
}

void QueueRunner::restore() {
  auto doc = read_jobs_file(state_dir_);
  if (!doc) {
    if (doc.error().code != ENOENT) log_line("jobs: %s; starting with empty queues", doc.error().message.c_str());
    return;
  }
  const bool same_boot = doc->value("boot", std::uint64_t{0}) == persist::current_boot_id_hash();
  next_id_ = std::max<std::uint64_t>(1, doc->value("next_id", std::uint64_t{1}));
  if (auto it = doc->find("queues"); it != doc->end() && it->is_object()) {
    for (const auto& [name, o] : it->items()) {
      Queue& q = queue_for(name);
      q.paused = o.value("paused", false);
      q.admitted = o.value("admitted", std::uint64_t{0});
      q.finished = o.value("finished", std::uint64_t{0});
      q.sum_turnaround_s = o.value("sum_turnaround_s", 0.0);
      q.sum_normalized = o.value("sum_normalized", 0.0);
      q.normalized_count = o.value("normalized_count", std::uint64_t{0});
      if (auto l = o.find("labels"); l != o.end() && l->is_object())
        for (const auto& [label, h] : l->items())
          q.estimator.set_history(label, {h.value("runs", std::uint64_t{0}), h.value("prediction", 0.0)});
    }
  }
  std::vector<Job*> adopted, suspended, waiting;
  if (auto it = doc->find("jobs"); it != doc->end() && it->is_array()) {
    for (const auto& o : *it) {
      auto j = job_from_json(o);
      if (!j) {
        log_line("jobs: %s: %s (skipped)", jobs_file_path(state_dir_).c_str(), j.error().message.c_str());
        continue;
      }
      next_id_ = std::max(next_id_, j->id + 1);
      const std::uint64_t jid = j->id;
      Job& job = (jobs_[jid] = std::move(*j));
      if (!job.live()) continue;
      ++queue_for(job.queue).live;
      if (job.state == JobState::New) {
        waiting.push_back(&job);
        continue;
      }
      // It held a process: is that process still the job's?
      auto id = same_boot && job.pid > 0 ? persist::read_identity(job.pid) : std::nullopt;
      if (!id || id->start_time != job.start_time) {
        pidfds_.erase(job.id);
        Queue& q = queue_for(job.queue);
        finish(job, q, -1, "ended while corrald was down (exit status unknown)");
        continue;
      }
      (job.state == JobState::ReadySuspend ? suspended : adopted).push_back(&job);
    }
  }
  // Back into the decision core in the order they arrived: first the jobs that hold a
  // process now (they get their slots back), then the preempted ones, then the New.
  auto by_arrival = [](const Job* a, const Job* b) { return a->arrival_ns < b->arrival_ns; };
  for (auto* list : {&adopted, &suspended, &waiting}) std::sort(list->begin(), list->end(), by_arrival);
  const std::int64_t now = monotonic_ns();
  for (Job* j : adopted) {
    Queue& q = queue_for(j->queue);
    (void)q.aq.arrive(j->id, j->arrival_ns, j->estimate_ns);
    log_line("job %llu: re-adopted (pid %d)", static_cast<unsigned long long>(j->id), static_cast<int>(j->pid));
  }
  for (auto& [name, q] : queues_) {
    // Only the adopted jobs are in the queues yet: every dispatch is one of them.
    (void)q->aq.decide(now);
    for (const auto& r : q->aq.ready_jobs()) {  // more running than slots now: freeze the rest
      if (Job* j = find(r.id)) preempt_job(*j);
    }
  }
  // The file does not follow every quantum (set_state): a job it calls running
  // may be frozen, and one it calls suspended may run. Make each what its
  // queue now says: thawed in a slot, frozen out of one.
  for (auto& [name, q] : queues_)
    for (const auto& r : q->aq.running_jobs())
      if (Job* j = find(r.id)) resume_job(*j);
  for (Job* j : adopted) watch_adopted(*j);
  for (Job* j : suspended) {
    (void)queue_for(j->queue).aq.arrive(j->id, j->arrival_ns, j->estimate_ns);
    preempt_job(*j);
    watch_adopted(*j);
  }
  for (Job* j : waiting) (void)queue_for(j->queue).aq.arrive(j->id, j->arrival_ns, j->estimate_ns);
  log_line("jobs: %zu restored (%zu running, %zu suspended, %zu queued)", jobs_.size(), adopted.size(),
           suspended.size(), waiting.size());
}

}  // namespace corral::daemon
