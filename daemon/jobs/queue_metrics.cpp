// SPDX-License-Identifier: Apache-2.0
// The job queues in the metrics exposition: per queue, its depth, running jobs,
// admissions, completions and the mean Tr and Tr/Ts of the jobs finished so far.
#include "queue_runner.hpp"

namespace corral::daemon {

using metrics::Family;
using metrics::Type;

void QueueRunner::add_metrics(std::vector<Family>& out) const {
  Family depth{"corral_queue_depth", "Jobs waiting in the queue (New and Ready/Suspend).", Type::Gauge, {}, {}};
  Family running{"corral_queue_running", "Jobs of the queue holding a slot (running).", Type::Gauge, {}, {}};
  Family admitted{"corral_queue_admitted_total", "Jobs admitted to the queue.", Type::Counter, {}, {}};
  Family finished{"corral_queue_finished_total", "Jobs of the queue that reached Exit.", Type::Counter, {}, {}};
  Family tr{"corral_queue_mean_turnaround_seconds", "Mean turnaround Tr of the queue's finished jobs.", Type::Gauge, {}, {}};
  Family norm{"corral_queue_mean_normalized_turnaround", "Mean normalised turnaround Tr/Ts of the queue's finished jobs.",
              Type::Gauge, {}, {}};
  std::map<std::string, std::pair<double, double>> counts;  // queue -> (waiting, running)
  for (const auto& [id, j] : jobs_) {
    auto& c = counts[j.queue];
    if (j.state == JobState::New || j.state == JobState::ReadySuspend) c.first += 1;
    else if (j.state == JobState::Running || j.state == JobState::Ready) c.second += 1;
  }
  for (const auto& [name, q] : queues_) {
    metrics::Labels l{{"queue", name}};
    auto c = counts[name];
    depth.samples.push_back({l, c.first});
    running.samples.push_back({l, c.second});
    admitted.samples.push_back({l, static_cast<double>(q->admitted)});
    finished.samples.push_back({l, static_cast<double>(q->finished)});
    tr.samples.push_back({l, q->finished ? q->sum_turnaround_s / static_cast<double>(q->finished) : 0.0});
    norm.samples.push_back({l, q->normalized_count ? q->sum_normalized / static_cast<double>(q->normalized_count) : 0.0});
  }
  for (Family* f : {&depth, &running, &admitted, &finished, &tr, &norm}) out.push_back(std::move(*f));
}

}  // namespace corral::daemon
