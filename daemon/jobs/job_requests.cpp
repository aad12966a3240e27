// SPDX-License-Identifier: Apache-2.0
// The queue runner's requests: submit, jobs, job show/wait/cancel/logs, queue
// list/pause/resume. A peer that is not privileged (root, corrald's user or the
// socket's group) sees, waits for and cancels only the jobs it submitted.
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "../daemon_log.hpp"
#include "corral/config/units.hpp"
#include "corral/jobs/job_list_reply.hpp"
#include "corral/jobs/policy.hpp"
#include "corral/protocol/array_reply.hpp"
#include "corral/supervise/log_file.hpp"
#include "job_clock.hpp"
#include "queue_runner.hpp"

namespace corral::daemon {

using nlohmann::json;
using protocol::Command;
using protocol::Response;

namespace {

constexpr auto kFollowInterval = std::chrono::milliseconds(200);

bool may_touch(const Peer& peer, const Job& j) { return peer.privileged || peer.uid == j.uid; }

std::string arg_string(const json& args, const char* key) {
  if (!args.is_object()) return {};
  auto it = args.find(key);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::uint64_t> parse_job_id(const std::string& text) {
  std::uint64_t v = 0;
  if (text.empty() || text.size() > 18) return Error::logic("not a job id: \"" + text + "\"");
  for (char c : text) {
    if (c < '0' || c > '9') return Error::logic("not a job id: \"" + text + "\"");
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

void QueueRunner::handle(ClientId id, const Peer& peer, const protocol::Request& req) {
  switch (req.command) {
    case Command::Submit: return submit(id, peer, req);
    case Command::Jobs: return list(id, peer, req);
    case Command::JobShow: return show(id, peer, req);
    case Command::JobWait: return wait(id, peer, req);
    case Command::JobCancel: return cancel(id, peer, req);
    case Command::JobLogs: return logs(id, peer, req);
    case Command::QueueList: return queue_list(id);
    case Command::QueuePause: return queue_pause(id, req, true);
    case Command::QueueResume: return queue_pause(id, req, false);
    default: return server_.reply(id, Response::failure("not a job request"));
  }
}

void QueueRunner::submit(ClientId id, const Peer& peer, const protocol::Request& req) {
  if (stopping_) return server_.reply(id, Response::failure("corrald is shutting down"));
  if (req.argv.empty()) return server_.reply(id, Response::failure("submit: no command given (submit -- CMD ARGS...)"));
  if (!req.args.is_null() && !req.args.is_object()) return server_.reply(id, Response::failure("submit: args: expected an object"));
  std::string qname = arg_string(req.args, "queue");
  if (qname.empty()) qname = config::kDefaultQueue;
  auto qit = queues_.find(qname);
  if (qit == queues_.end()) {
    std::string known;
    for (const auto& [n, q] : queues_) known += (known.empty() ? "" : ", ") + n;
    return server_.reply(id, Response::failure("no such queue: " + qname + " (queues: " + known + ")"));
  }
  Queue& q = *qit->second;
  if (q.live >= q.cfg.max_queued)
    return server_.reply(id, Response::failure("queue " + qname + " is full: " + std::to_string(q.live) +
                                               " jobs queued or running (max_queued = " +
                                               std::to_string(q.cfg.max_queued) + ")"));
  Job j;
  j.id = next_id_;
  j.queue = qname;
  j.argv = req.argv;
  j.name = req.name;
  if (j.name.empty()) {
    auto slash = req.argv[0].rfind('/');
    j.name = slash == std::string::npos ? req.argv[0] : req.argv[0].substr(slash + 1);
  }
  j.label = arg_string(req.args, "label");
  j.cwd = arg_string(req.args, "cwd");
  if (j.cwd.empty()) j.cwd = "/";
  if (j.cwd.front() != '/') return server_.reply(id, Response::failure("submit: cwd: not an absolute path: " + j.cwd));
  if (req.args.is_object() && req.args.contains("env")) {
    const json& env = req.args["env"];
    if (!env.is_object()) return server_.reply(id, Response::failure("submit: env: expected an object of strings"));
    for (const auto& [k, v] : env.items()) {
      if (!v.is_string() || k.empty() || k.find('=') != std::string::npos)
        return server_.reply(id, Response::failure("submit: env: bad entry \"" + k + "\" (give K=V)"));
      j.env[k] = v.get<std::string>();
    }
  }
  j.uid = peer.uid;
  j.gid = peer.gid;
  if (std::string user = arg_string(req.args, "user"); !user.empty()) {
    if (peer.uid != 0) return server_.reply(id, Response::failure("submit: --user is for root only (you are uid " + std::to_string(peer.uid) + ")"));
    passwd* pw = ::getpwnam(user.c_str());
    if (!pw) return server_.reply(id, Response::failure("submit: --user: no such user: " + user));
    j.user = user;
    j.uid = pw->pw_uid;
    j.gid = pw->pw_gid;
  }
  if (std::string est = arg_string(req.args, "estimate"); !est.empty()) {
    auto d = config::parse_duration(est);
    if (!d) return server_.reply(id, Response::failure("submit: --estimate: " + d.error().message));
    j.estimate_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*d).count();
    j.estimate_source = "given";
  } else if (!j.label.empty() && q.cfg.estimate) {
    if (auto p = q.estimator.predict(j.label)) {
      j.estimate_ns = static_cast<std::int64_t>(*p);
      j.estimate_source = "label";
    }
  }
  j.arrival_ns = monotonic_ns();
  j.submitted_ms = wall_ms_now();
  if (Status st = q.aq.arrive(j.id, j.arrival_ns, j.estimate_ns); !st)
    return server_.reply(id, Response::failure(st.error().message));
  ++next_id_;
  ++q.admitted;
  ++q.live;
  const std::uint64_t jid = j.id;
  Job& stored = (jobs_[jid] = std::move(j));
  {
    DaemonEvent e;
    e.kind = DaemonEvent::Kind::Job;
    e.service = "job-" + std::to_string(stored.id);
    e.to = "New";
    e.reason = "submitted to queue " + qname + " by uid " + std::to_string(peer.uid);
    events_.publish(std::move(e));
  }
  save_soon();
  schedule(q);
  const Job& now = jobs_.at(stored.id);
  server_.reply(id, Response::success(json{{"id", now.id}, {"name", now.name}, {"queue", now.queue},
                                           {"state", job_state_name(now.state)}, {"pid", now.pid},
                                           {"estimate_s", static_cast<double>(now.estimate_ns) / 1e9},
                                           {"estimate_source", now.estimate_source}}));
}

void QueueRunner::list(ClientId id, const Peer& peer, const protocol::Request& req) {
  std::string qname = arg_string(req.args, "queue");
  if (!qname.empty() && !queues_.count(qname)) return server_.reply(id, Response::failure("no such queue: " + qname));
  // Measure the running jobs so that the service column is current.
  for (auto& [name, q] : queues_)
    for (const auto& r : q->aq.running_jobs())
      if (Job* j = find(r.id)) j->service_ns = std::max(j->service_ns, cpu_ns(*j));
  const std::int64_t now = monotonic_ns();
  // Written straight into the reply line, not as a tree of job_to_json: the same
  // bytes, a fraction of the time with 10,000 jobs (issue 14).
  protocol::ArrayReplyWriter reply;
  reply.reserve(jobs_.size() * jobs::kJobJsonBytes);
  for (const auto& [jid, j] : jobs_) {
    if (!qname.empty() && j.queue != qname) continue;
    if (!may_touch(peer, j)) continue;
    jobs::append_job_json(reply.next_item(), j, now);
  }
  server_.reply_line(id, reply.finish());
}

std::optional<std::vector<Job*>> QueueRunner::resolve(ClientId id, const Peer& peer, const protocol::Request& req) {
  if (req.names.empty()) {
    server_.reply(id, Response::failure("which job? give an ID"));
    return std::nullopt;
  }
  std::vector<Job*> out;
  for (const auto& n : req.names) {
    auto jid = parse_job_id(n);
    if (!jid) {
      server_.reply(id, Response::failure(jid.error().message));
      return std::nullopt;
    }
    Job* j = find(*jid);
    // Someone else's job is reported as unknown: its existence is not the peer's business.
    if (!j || !may_touch(peer, *j)) {
      server_.reply(id, Response::failure("no such job: " + n));
      return std::nullopt;
    }
    out.push_back(j);
  }
  return out;
}

void QueueRunner::show(ClientId id, const Peer& peer, const protocol::Request& req) {
  auto r = resolve(id, peer, req);
  if (!r) return;
  if (r->size() != 1) return server_.reply(id, Response::failure("job show takes one job ID"));
  Job& j = *r->front();
  if (j.holds_process()) j.service_ns = std::max(j.service_ns, cpu_ns(j));
  json o = job_to_json(j, monotonic_ns());
  o["log"] = log_path(j.id);
  if (cgroup::Cgroups* cg = cgroups(); cg && !j.cgroup.empty() && j.live()) {
    o["cgroup_dir"] = cg->describe(j.cgroup);
    if (auto f = cg->frozen(j.cgroup)) o["frozen"] = *f;
  }
  server_.reply(id, Response::success(std::move(o)));
}

void QueueRunner::wait(ClientId id, const Peer& peer, const protocol::Request& req) {
  auto r = resolve(id, peer, req);
  if (!r) return;
  std::vector<std::uint64_t> ids;
  for (Job* j : *r) ids.push_back(j->id);
  waiters_.push_back({id, std::move(ids)});
  reply_waiters();
}

void QueueRunner::cancel(ClientId id, const Peer& peer, const protocol::Request& req) {
  auto r = resolve(id, peer, req);
  if (!r) return;
  std::vector<std::uint64_t> ids;
  std::set<Queue*> touched;
  for (Job* j : *r) {
    ids.push_back(j->id);
    if (!j->live()) continue;
    j->cancelled = true;
    Queue& q = queue_for(j->queue);
    touched.insert(&q);
    if (j->state == JobState::New) {
      finish(*j, q, -1, "cancelled before it started");
      continue;
    }
    q.aq.remove(j->id);  // its slot is free now: it is never dispatched or thawed again
    // Every process of the job, frozen or not: the cgroup (frozen first, so that
    // nobody forks meanwhile, then thawed to let SIGKILL act), else the process group.
    cgroup::Cgroups* cg = cgroups();
    if (cg && !j->cgroup.empty()) {
      if (Status st = cg->kill(j->cgroup, std::chrono::milliseconds(2000)); !st)
        log_line("job %llu: %s", static_cast<unsigned long long>(j->id), st.error().message.c_str());
    } else if (j->pid > 0) {
      ::kill(-j->pid, SIGKILL);
      ::kill(-j->pid, SIGCONT);
    }
    if (pidfds_.count(j->id)) job_ended(j->id, std::nullopt, "killed by SIGKILL");  // not our child: no SIGCHLD
  }
  for (Queue* q : touched) schedule(*q);
  // The reply comes once every one of them is in Exit (its process reaped, its cgroup gone).
  waiters_.push_back({id, std::move(ids)});
  reply_waiters();
}

void QueueRunner::reply_waiters() {
  const std::int64_t now = monotonic_ns();
  std::vector<Waiter> done;
  auto it = std::stable_partition(waiters_.begin(), waiters_.end(), [this](const Waiter& w) {
    return std::any_of(w.ids.begin(), w.ids.end(), [this](std::uint64_t jid) {
      const Job* j = find(jid);
      return j && j->live();
    });
  });
  done.assign(std::make_move_iterator(it), std::make_move_iterator(waiters_.end()));
  waiters_.erase(it, waiters_.end());
  for (const auto& w : done) {
    if (!server_.alive(w.client)) continue;
    json arr = json::array();
    for (std::uint64_t jid : w.ids)
      if (const Job* j = find(jid)) arr.push_back(job_to_json(*j, now));
    server_.reply(w.client, Response::success(std::move(arr)));
  }
}

void QueueRunner::forget_client(ClientId id) {
  std::erase_if(waiters_, [id](const Waiter& w) { return w.client == id; });
  std::erase_if(followers_, [id](const Follower& f) { return f.client == id; });
}

void QueueRunner::logs(ClientId id, const Peer& peer, const protocol::Request& req) {
  auto r = resolve(id, peer, req);
  if (!r) return;
  if (r->size() != 1) return server_.reply(id, Response::failure("job logs takes one job ID"));
  Job& j = *r->front();
  const std::string path = log_path(j.id);
  std::string text;
  if (j.start_ns >= 0) {
    auto t = supervise::tail_file(path, req.lines);
    if (t) text = std::move(*t);
  }
  server_.reply(id, Response::success(json{{"id", j.id}, {"text", text}, {"follow", req.follow}}));
  if (!req.follow || !server_.alive(id)) return;
  if (!j.live()) return server_.close_after_flush(id);
  struct stat st{};
  std::uint64_t size = ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  server_.set_following(id, true);
  followers_.push_back({id, j.id, size});
  arm_follow_timer();
}

void QueueRunner::arm_follow_timer() {
  // Only while someone follows a job's log. The job writes its file itself (so that
  // it outlives corrald), so new output is found by looking at the file's size.
  if (follow_timer_ || followers_.empty()) return;
  follow_timer_ = loop_.add_timer(std::chrono::steady_clock::now() + kFollowInterval, [this] {
    follow_timer_ = 0;
    std::set<std::uint64_t> ids;
    for (const auto& f : followers_) ids.insert(f.job);
    for (std::uint64_t jid : ids) pump_followers(jid, false);
    arm_follow_timer();
  });
}

void QueueRunner::pump_followers(std::uint64_t job, bool last) {
  if (followers_.empty()) return;
  // Taken out first: a send or a close may drop the client, and the server's
  // disconnect callback (forget_client) then edits followers_.
  std::vector<Follower> mine, keep;
  for (auto& f : followers_) (f.job == job ? mine : keep).push_back(f);
  if (mine.empty()) return;
  followers_ = std::move(keep);
  const std::string path = log_path(job);
  std::vector<ClientId> done;
  for (auto& f : mine) {
    bool alive = server_.alive(f.client);
    if (std::FILE* file = alive ? std::fopen(path.c_str(), "re") : nullptr) {
      if (::fseeko(file, static_cast<off_t>(f.offset), SEEK_SET) == 0) {
        char buf[16384];
        std::size_t n;
        while (alive && (n = std::fread(buf, 1, sizeof buf, file)) > 0) {
          f.offset += n;
          alive = server_.send_raw(f.client, protocol::encode_log_chunk(std::string_view(buf, n)));
        }
      }
      std::fclose(file);
    }
    if (alive && !last) followers_.push_back(f);
    else if (alive) done.push_back(f.client);
  }
  for (ClientId c : done)
    if (server_.alive(c)) server_.close_after_flush(c);  // the job ended: so does the stream
}

json QueueRunner::queue_row(const std::string& name, const Queue& q) const {
  std::uint64_t queued = 0, running = 0, suspended = 0;
  std::int64_t first_arrival = -1, last_finish = -1;
  for (const auto& [jid, j] : jobs_) {
    if (j.queue != name) continue;
    if (j.state == JobState::New) ++queued;
    else if (j.state == JobState::Running || j.state == JobState::Ready) ++running;
    else if (j.state == JobState::ReadySuspend) ++suspended;
    else if (j.finish_ns >= 0) {
      if (first_arrival < 0 || j.arrival_ns < first_arrival) first_arrival = j.arrival_ns;
      last_finish = std::max(last_finish, j.finish_ns);
    }
  }
  std::uint64_t kept_finished = 0;
  for (const auto& [jid, j] : jobs_) kept_finished += (j.queue == name && !j.live()) ? 1 : 0;
  json est = q.cfg.estimate ? json(q.cfg.estimate->kind == jobs::EstimatorSpec::Kind::Average
                                       ? std::string("average")
                                       : "exponential:" + std::to_string(q.cfg.estimate->alpha))
                            : json("given");
  json row{{"name", name},
           {"policy", jobs::describe(q.cfg.policy, 1'000'000'000)},
           {"policy_name", jobs::policy_name(q.cfg.policy.kind)},
           {"quantum_ns", q.cfg.policy.uses_quantum() ? q.cfg.policy.quantum : 0},
           {"quantum_doubles", q.cfg.policy.quantum_doubles},
           {"slots", q.cfg.slots},
           {"group", q.cfg.group},
           {"estimate", est},
           {"max_queued", q.cfg.max_queued},
           {"paused", q.paused},
           {"queued", queued + suspended},
           {"new", queued},
           {"suspended", suspended},
           {"running", running},
           {"admitted", q.admitted},
           {"finished", q.finished}};
  // Throughput over the finished jobs still on record: jobs per minute from the first
  // one's arrival to the last one's end.
  row["throughput_per_min"] =
      last_finish > first_arrival && first_arrival >= 0
          ? static_cast<double>(kept_finished) * 60e9 / static_cast<double>(last_finish - first_arrival)
          : 0.0;
  row["mean_turnaround_s"] = q.finished ? q.sum_turnaround_s / static_cast<double>(q.finished) : 0.0;
  row["mean_normalized"] = q.normalized_count ? q.sum_normalized / static_cast<double>(q.normalized_count) : 0.0;
  json labels = json::object();
  for (const auto& [label, h] : q.estimator.labels())
    labels[label] = json{{"runs", h.runs}, {"prediction_s", h.prediction / 1e9}};
  row["labels"] = std::move(labels);
  return row;
}

void QueueRunner::queue_list(ClientId id) {
  json arr = json::array();
  for (const auto& [name, q] : queues_) arr.push_back(queue_row(name, *q));
  server_.reply(id, Response::success(std::move(arr)));
}

void QueueRunner::queue_pause(ClientId id, const protocol::Request& req, bool pause) {
  if (req.names.empty()) return server_.reply(id, Response::failure("which queue? give a NAME"));
  for (const auto& n : req.names)
    if (!queues_.count(n)) return server_.reply(id, Response::failure("no such queue: " + n));
  json arr = json::array();
  for (const auto& n : req.names) {
    Queue& q = *queues_.at(n);
    if (q.paused != pause) {
      q.paused = pause;
      log_line("queue %s %s", n.c_str(), pause ? "paused: no job starts or resumes" : "resumed");
      save_soon();
    }
    schedule(q);
    arr.push_back(queue_row(n, q));
  }
  server_.reply(id, Response::success(std::move(arr)));
}

}  // namespace corral::daemon
