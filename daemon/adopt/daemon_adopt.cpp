// SPDX-License-Identifier: Apache-2.0
// The Daemon's side of persistence and re-adoption: wiring the Adopter and the
// StateWriter in, apart from daemon.cpp so the core touches them in a few lines.
#include <chrono>

#include "../daemon.hpp"
#include "../daemon_log.hpp"
#include "../persist/state_writer.hpp"
#include "../fdholder/log_pipe_keeper.hpp"
#include "adopter.hpp"

namespace corral::daemon {

std::set<std::string> Daemon::init_adoption() {
  if (handover_) return init_from_handover();  // a re-exec: nothing to adopt
  using Ms = std::chrono::duration<double, std::milli>;
  LogBatch lines;  // a line per service: written together at the end
  const auto t0 = std::chrono::steady_clock::now();
  // The log pipes first: an adopted service writes into the pipe it had.
  pipes_ = std::make_unique<LogPipeKeeper>(*sup_, events_, settings_.state_dir);
  pipes_->start();
  const auto t1 = std::chrono::steady_clock::now();
  adopter_ = std::make_unique<Adopter>(*loop_, *sup_, fair_.get(), settings_.state_dir);
  std::set<std::string> decided = adopter_->run();
  const auto t2 = std::chrono::steady_clock::now();
  std::size_t adopted = 0;
  for (const auto& [name, s] : sup_->services()) adopted += s->adopted ? 1 : 0;
  // The figure of "time to re-adopt", from corrald's own clock.
  if (adopted > 0)
    log_line("adopted %zu services in %.1f ms (log pipes taken back in %.1f ms)", adopted, Ms(t2 - t1).count(),
             Ms(t1 - t0).count());
  FairShare* f = fair_.get();
  StateWriter::Hooks hooks;
  hooks.suspended = [f](const std::string& name) { return f && f->suspended(name); };
  hooks.cgroup_of = [f](const Service& s) { return f ? f->cgroup_of(s.spec.cfg) : std::string(); };
  state_ = std::make_unique<StateWriter>(*loop_, *sup_, events_, settings_.state_dir, std::move(hooks));
  state_->remember_start_times(adopter_->adopted_start_times());
  state_->write_soon();
  return decided;
}

void Daemon::finish_clean_shutdown() {
  if (state_) state_->finish_clean();
  if (pipes_) pipes_->finish_clean();
}

}  // namespace corral::daemon
