// SPDX-License-Identifier: Apache-2.0
// The job queue, corrald's long-term scheduler: submit, jobs, job show/wait/cancel/logs,
// queue list/pause/resume.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "json_reply_out.hpp"
#include "service_client.hpp"
#include "term_width.hpp"
#include "text_out.hpp"

namespace corral::ctl {
namespace {

using nlohmann::json;
using protocol::Command;

void print_json_doc(const json& j) { std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str()); }

std::string clock_text(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

// A job's exit status as `job wait` returns it: its own code, 128+N for signal N,
// 1 when unknown (it ended while corrald was down, or was cancelled before it started).
int exit_code_of(const json& job) {
  int st = job.value("exit_status", -1);
  return st >= 0 && st <= 255 ? st : kExitFailed;
}

void print_jobs_table(const json& rows) {
  Table t({"ID", "NAME", "QUEUE", "STATE", "ARRIVAL", "START", "FINISH", "SERVICE", "ESTIMATE", "WAIT", "TR", "TR/TS"},
          {true, false, false, false, false, false, false, true, true, true, true, true});
  for (const auto& j : rows) {
    const bool started = j.value("start_ns", std::int64_t{-1}) >= 0;
    const bool done = j.value("state", "") == "Exit";
    double est = j.value("estimate_s", 0.0);
    t.add_row({std::to_string(j.value("id", std::uint64_t{0})), j.value("name", ""), j.value("queue", ""),
               j.value("state", ""), clock_text(j.value("submitted_ms", std::int64_t{0})),
               started ? clock_text(j.value("started_ms", std::int64_t{0})) : "-",
               done ? clock_text(j.value("finished_ms", std::int64_t{0})) : "-", seconds_text(j.value("service_s", 0.0)),
               est > 0 ? seconds_text(est) : "-", seconds_text(j.value("waiting_s", 0.0)),
               seconds_text(j.value("turnaround_s", 0.0)),
               j.contains("normalized") && j.at("normalized").is_number() ? seconds_text(j.at("normalized").get<double>())
                                                                          : "-"});
  }
  t.print(stdout, output_width());
}

void print_queue_table(const json& rows) {
  Table t({"QUEUE", "POLICY", "SLOTS", "QUEUED", "RUNNING", "FINISHED", "THROUGHPUT/MIN", "MEAN TR", "MEAN TR/TS", "STATE"},
          {false, false, true, true, true, true, true, true, true, false});
  for (const auto& q : rows)
    t.add_row({q.value("name", ""), q.value("policy", ""), std::to_string(q.value("slots", 0)),
               std::to_string(q.value("queued", 0)), std::to_string(q.value("running", 0)),
               std::to_string(q.value("finished", 0)), seconds_text(q.value("throughput_per_min", 0.0)),
               seconds_text(q.value("mean_turnaround_s", 0.0)), seconds_text(q.value("mean_normalized", 0.0)),
               q.value("paused", false) ? "paused" : "accepting"});
  t.print(stdout, output_width());
}

struct JobArgs {
  std::string queue, name, label, estimate, cwd, user;
  std::vector<std::string> env, argv, ids;
  int lines = 10;
  bool follow = false;
};

}  // namespace

void register_jobs_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<JobArgs>();

  auto* submit = app.add_subcommand("submit", "queue a batch job: submit [options] -- CMD ARGS... (prints its id)");
  submit->add_option("--queue", args->queue, "the queue (default: default)");
  submit->add_option("--name", args->name, "a name for the job (default: the command's)");
  submit->add_option("--label", args->label, "what kind of job it is: the queue learns its service time per label");
  submit->add_option("--estimate", args->estimate, "expected service (CPU) time, e.g. 30s, 2m (spn, srt, hrrn)");
  submit->add_option("--cwd", args->cwd, "working directory (default: the current one)");
  // One K=V per --env, taken as each one is parsed: a vector option would swallow
  // the `--` of `--env K=V -- CMD` and then take CMD's options as corralctl's.
  submit->add_option_function<std::string>("--env", [args](const std::string& kv) { args->env.push_back(kv); },
                                           "K=V for the job's environment (repeatable)")
      ->trigger_on_parse();
  submit->add_option("--user", args->user, "run as this user (root only; default: you)");
  submit->add_option("command", args->argv, "the command and its arguments")->required();
  submit->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::Submit;
    req.argv = args->argv;
    req.name = args->name;
    json a = json::object();
    if (!args->queue.empty()) a["queue"] = args->queue;
    if (!args->label.empty()) a["label"] = args->label;
    if (!args->estimate.empty()) a["estimate"] = args->estimate;
    if (!args->user.empty()) a["user"] = args->user;
    std::string cwd = args->cwd;
    if (cwd.empty()) {
      char buf[PATH_MAX];
      if (::getcwd(buf, sizeof buf)) cwd = buf;
    }
    if (!cwd.empty()) a["cwd"] = cwd;
    json env = json::object();
    for (const auto& kv : args->env) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "corralctl: --env %s: expected K=V\n", kv.c_str());
        ctx.exit_code = kExitUsage;
        return;
      }
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (!env.empty()) a["env"] = env;
    req.args = a;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json_doc(resp->data);
    else std::printf("%llu\n", static_cast<unsigned long long>(resp->data.value("id", std::uint64_t{0})));
    ctx.exit_code = kExitOk;
  });

  auto* jobs = app.add_subcommand("jobs", "the queued, running and finished jobs (yours, unless you are root)");
  jobs->add_option("--queue", args->queue, "only this queue's");
  jobs->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::Jobs;
    if (!args->queue.empty()) req.args = json{{"queue", args->queue}};
    // --json prints the list as it arrives (unless the reply is not one).
    auto line = call_line_or_print_list(req, ctx, ctx.json);
    if (!line) return;
    auto resp = decode_reply(*line, ctx);
    if (!resp) return;
    if (ctx.json) print_json_doc(resp->data);
    else print_jobs_table(resp->data);
    ctx.exit_code = kExitOk;
  });

  auto* job = app.add_subcommand("job", "one job: show, wait, cancel, logs");
  job->require_subcommand(1);
  auto* show = job->add_subcommand("show", "a job's record: command, user, states, times, Tr and Tr/Ts");
  show->add_option("id", args->ids, "job id")->required()->expected(1);
  show->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::JobShow;
    req.names = args->ids;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) {
      print_json_doc(resp->data);
    } else {
      for (const auto& [k, v] : resp->data.items())
        std::printf("%-16s %s\n", k.c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
    }
    ctx.exit_code = kExitOk;
  });

  auto* wait = job->add_subcommand("wait", "wait until the jobs are done; exit status: the (first failing) job's own");
  wait->add_option("ids", args->ids, "job ids")->required();
  wait->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::JobWait;
    req.names = args->ids;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json_doc(resp->data);
    int code = kExitOk;
    for (const auto& j : resp->data) {
      if (!ctx.json)
        std::printf("%llu %s: %s\n", static_cast<unsigned long long>(j.value("id", std::uint64_t{0})),
                    j.value("name", "").c_str(), j.value("exit", "").c_str());
      if (code == kExitOk) code = exit_code_of(j);
    }
    ctx.exit_code = code;
  });

  auto* cancel = job->add_subcommand("cancel", "cancel jobs: a queued one leaves the queue, a running or frozen one is killed");
  cancel->add_option("ids", args->ids, "job ids")->required();
  cancel->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::JobCancel;
    req.names = args->ids;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json_doc(resp->data);
    else
      for (const auto& j : resp->data)
        std::printf("%llu %s: %s\n", static_cast<unsigned long long>(j.value("id", std::uint64_t{0})),
                    j.value("name", "").c_str(), j.value("exit", "").c_str());
    ctx.exit_code = kExitOk;
  });

  auto* logs = job->add_subcommand("logs", "a job's output (stdout and stderr)");
  logs->add_option("id", args->ids, "job id")->required()->expected(1);
  logs->add_option("-n,--lines", args->lines, "how many lines from the end")->capture_default_str();
  logs->add_flag("-f,--follow", args->follow, "keep printing new output until the job ends");
  logs->callback([&ctx, args] {
    protocol::Request req;
    req.command = Command::JobLogs;
    req.names = args->ids;
    req.lines = args->lines;
    req.follow = args->follow;
    std::string path = socket_path_for(ctx);
    auto conn = DaemonConnection::connect(path);
    if (!conn) {
      std::fprintf(stderr, "corralctl: cannot reach corrald at %s: %s\n", path.c_str(),
                   std::strerror(conn.error().code ? conn.error().code : ECONNREFUSED));
      ctx.exit_code = kExitUnreachable;
      return;
    }
    auto resp = conn->request(req);
    if (!resp || !resp->ok) {
      std::fprintf(stderr, "corralctl: %s\n", resp ? resp->error.c_str() : resp.error().message.c_str());
      ctx.exit_code = kExitFailed;
      return;
    }
    std::string text = resp->data.value("text", "");
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    ctx.exit_code = kExitOk;
    while (args->follow) {
      auto line = conn->read_line();
      if (!line) break;  // the job ended: corrald closed the stream
      auto chunk = protocol::decode_log_chunk(*line);
      if (!chunk) {
        std::fprintf(stderr, "corralctl: %s\n", chunk.error().message.c_str());
        ctx.exit_code = kExitFailed;
        break;
      }
      std::fwrite(chunk->data(), 1, chunk->size(), stdout);
      std::fflush(stdout);
    }
  });

  auto* queue = app.add_subcommand("queue", "the job queues: list, pause, resume");
  queue->require_subcommand(1);
  auto* qlist = queue->add_subcommand("list", "each queue: policy, slots, queued, running, throughput, mean Tr and Tr/Ts");
  qlist->callback([&ctx] {
    protocol::Request req;
    req.command = Command::QueueList;
    auto resp = call(req, ctx);
    if (!resp) return;
    if (ctx.json) print_json_doc(resp->data);
    else print_queue_table(resp->data);
    ctx.exit_code = kExitOk;
  });
  for (bool pause : {true, false}) {
    auto* sub = queue->add_subcommand(pause ? "pause" : "resume",
                                      pause ? "start no more jobs from the queues (running ones go on)"
                                            : "let the queues start jobs again");
    sub->add_option("names", args->ids, "queue names")->required();
    sub->callback([&ctx, args, pause] {
      protocol::Request req;
      req.command = pause ? Command::QueuePause : Command::QueueResume;
      req.names = args->ids;
      auto resp = call(req, ctx);
      if (!resp) return;
      if (ctx.json) print_json_doc(resp->data);
      else print_queue_table(resp->data);
      ctx.exit_code = kExitOk;
    });
  }
}

}  // namespace corral::ctl
