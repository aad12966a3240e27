// SPDX-License-Identifier: Apache-2.0
// The new side of a live re-exec: this corrald was exec'd by the previous one
// in the same process, with a hand-over (persist/handover.hpp). Instead of
// adopting (the crash path), it takes its children back as children: same
// pids, exact exit statuses, restart counters, backoff history and operator
// intent kept; then it answers the clients the old corrald had, the one that
// asked for the re-exec first.
#include <map>

#include "../adopt/adopter.hpp"
#include "../daemon.hpp"
#include "../daemon_log.hpp"
#include "../fdholder/log_pipe_keeper.hpp"
#include "../persist/state_writer.hpp"
#include "corral/persist/fingerprint.hpp"

namespace corral::daemon {

using nlohmann::json;
using protocol::Response;

namespace {

struct HandedFds {
  UniqueFd pidfd, log_read, log_write, seccomp_listener;
  bool adopted = false;
  std::int64_t uptime_ms = -1;
};

}  // namespace

std::set<std::string> Daemon::init_from_handover() {
  const persist::Handover& h = *handover_;
  generation_ = h.generation;
  // Every descriptor is owned from here on: one for a service that is gone is closed.
  std::map<std::string, HandedFds> fds;
  for (const auto& hs : h.services) {
    HandedFds& f = fds[hs.name];
    f.pidfd.reset(hs.pidfd);
    f.log_read.reset(hs.log_read);
    f.log_write.reset(hs.log_write);
    f.seccomp_listener.reset(hs.seccomp_listener);
    f.adopted = hs.adopted;
    f.uptime_ms = hs.uptime_ms;
  }

  // Services the config does not have: `run` services come back as they were;
  // one removed from the config while corrald ran unreloaded is stopped below.
  std::set<std::string> unconfigured;
  for (const auto& rec : h.state.services) {
    if (sup_->find(rec.name)) continue;
    ServiceSpec spec;
    auto& c = spec.cfg;
    c.name = rec.name;
    c.template_name = rec.name;
    c.restart = config::Restart::No;
    c.start_secs = std::chrono::seconds(0);
    c.autostart = false;
    spec.transient = true;
    auto run = h.run_commands.find(rec.name);
    if (run != h.run_commands.end() && !run->second.empty()) {
      c.argv = run->second;
    } else {
      c.argv = {"(no longer configured)"};
      unconfigured.insert(rec.name);
    }
    if (Status st = sup_->add(std::move(spec)); !st) log_line("daemon-reexec: %s", st.error().message.c_str());
  }

  // The log pipes first (the fd holder keeps copies of the same pipes).
  for (auto& [name, f] : fds) {
    Service* s = sup_->find(name);
    if (!s || !f.log_read || !f.log_write) continue;
    if (Status st = sup_->take_log_pipe(*s, std::move(f.log_read), std::move(f.log_write)); !st)
      log_line("%s: %s", name.c_str(), st.error().message.c_str());
  }
  pipes_ = std::make_unique<LogPipeKeeper>(*sup_, events_, settings_.state_dir);
  pipes_->start(LogPipeKeeper::Pipes::HandedOver);

  std::set<std::string> decided;
  int taken = 0;
  const auto now = supervise::Clock::now();
  for (const auto& rec : h.state.services) {
    Service* s = sup_->find(rec.name);
    if (!s) continue;
    restore_counters(*s, rec);
    HandedFds none;
    auto it = fds.find(rec.name);
    HandedFds& f = it != fds.end() ? it->second : none;
    const bool gone_from_config = unconfigured.count(rec.name) > 0;
    if (rec.pid <= 0) {
      if (gone_from_config) {
        sup_->remove(*s);
      } else if (rec.state == "backoff") {
        // Between two processes: the next one starts now (its backoff timer was
        // the old corrald's). As a retry, not a fresh start: the failures that
        // drive the backoff and the start limit are kept, and it counts as a restart.
        decided.insert(rec.name);
        sup_->start(*s);
        if (s->pid > 0) {
          persist::ServiceRecord retry = rec;
          retry.restarts += 1;
          retry.recent_starts_ms.push_back(wall_ms_now());
          restore_counters(*s, retry);
        }
      } else if (rec.intent == persist::Intent::StoppedByHand || rec.state == "exited" || rec.state == "fatal") {
        decided.insert(rec.name);  // stays down; autostart leaves it alone
      }
      // else: not started yet (waiting for what it comes after): autostart decides.
      continue;
    }
    decided.insert(rec.name);
    Status st = f.adopted ? sup_->adopt(*s, rec.pid)
                          : sup_->take_child(*s, rec.pid, std::move(f.pidfd), std::move(f.seccomp_listener));
    if (!st) {
      log_line("%s: cannot take pid %d back: %s", rec.name.c_str(), static_cast<int>(rec.pid),
               st.error().message.c_str());
      continue;
    }
    ++taken;
    if (f.uptime_ms >= 0) s->machine.restore_started_at(now - std::chrono::milliseconds(f.uptime_ms));
    if (fair_) fair_->after_handover(*s);
    if (gone_from_config) {
      log_line("%s: no longer in the config: stopping it", rec.name.c_str());
      sup_->remove(*s);
    } else if (rec.state == "stopping") {
      // A stop (or the stop half of a restart) was under way: it goes on.
      if (rec.intent == persist::Intent::StoppedByHand) sup_->stop(*s);
      else sup_->restart(*s);
    } else if (!s->spec.transient && rec.config_hash != persist::config_fingerprint(s->spec.cfg)) {
      log_line("%s: its config changed on disk since the last reload: restarting it", rec.name.c_str());
      sup_->restart(*s);
    } else if (rec.intent == persist::Intent::Suspended && fair_) {
      if (Status sst = fair_->suspend(*s); !sst)
        log_line("%s: could not keep it suspended: %s", rec.name.c_str(), sst.error().message.c_str());
    }
  }
  log_line("daemon-reexec: generation %d, %d processes taken back as children, %zu services", generation_, taken,
           sup_->services().size());

  FairShare* fs = fair_.get();
  StateWriter::Hooks hooks;
  hooks.suspended = [fs](const std::string& name) { return fs && fs->suspended(name); };
  hooks.cgroup_of = [fs](const Service& s) { return fs ? fs->cgroup_of(s.spec.cfg) : std::string(); };
  state_ = std::make_unique<StateWriter>(*loop_, *sup_, events_, settings_.state_dir, std::move(hooks));
  // The same processes: their start times need not be read from /proc again.
  std::map<pid_t, std::uint64_t> start_times;
  for (const auto& rec : h.state.services)
    if (rec.pid > 0 && rec.start_time > 0) start_times[rec.pid] = rec.start_time;
  state_->remember_start_times(start_times);
  state_->write_soon();
  return decided;
}

void Daemon::finish_handover() {
  persist::Handover& h = *handover_;
  for (auto& c : h.clients) {
    const bool owed = c.requester || !c.pending.empty();
    ClientId id = server_->take_client(UniqueFd(c.fd), std::move(c.in), std::move(c.out), owed);
    if (id == 0) continue;
    if (c.requester) {
      server_->reply(id, Response::success(json{{"reexec", true},
                                               {"pid", ::getpid()},
                                               {"generation", generation_},
                                               {"binary", settings_.binary},
                                               {"version", CORRAL_VERSION},
                                               {"services", sup_->services().size()},
                                               {"handover_ms", wall_ms_now() - h.exec_wall_ms}}));
    } else if (!c.pending.empty()) {
      auto cmd = protocol::parse_command(c.pending);
      if (!cmd) {
        server_->reply(id, Response::failure("corrald was re-executed while this request waited; ask again"));
        continue;
      }
      pending_.push_back(Pending{id, *cmd, std::move(c.pending_names), c.no_block});
    } else if (!c.follows.empty()) {
      server_->set_following(id, true);
      followers_[c.follows].push_back(id);
    }
  }
  check_pending();
  log_line("daemon-reexec: serving again %lld ms after the exec, %zu clients taken over",
           static_cast<long long>(wall_ms_now() - h.exec_wall_ms), h.clients.size());
  {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::Daemon;
    e.reason = "re-executed (generation " + std::to_string(generation_) + ")";
    events_.publish(std::move(e));
  }
  handover_.reset();
}

}  // namespace corral::daemon
