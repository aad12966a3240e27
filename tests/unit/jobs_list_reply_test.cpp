// SPDX-License-Identifier: Apache-2.0
// The streamed `jobs` reply must be the nlohmann rendering of job_to_json, byte for
// byte: scripts read every field of `jobs --json`, and the wire format did not
// change when the JSON tree went (issue 14).
#include "corral/jobs/job_list_reply.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "corral/protocol/array_reply.hpp"
#include "corral/protocol/json_reindent.hpp"
#include "corral/protocol/json_text.hpp"
#include "corral/protocol/protocol.hpp"

namespace corral::jobs {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 5'000'000'000'123;

// What corrald sent before: the tree of job_to_json, dumped by encode().
std::string tree_rendering(const std::vector<Job>& jobs, std::int64_t now) {
  json arr = json::array();
  for (const auto& j : jobs) arr.push_back(job_to_json(j, now));
  return protocol::encode(protocol::Response::success(std::move(arr)));
}

std::string streamed(const std::vector<Job>& jobs, std::int64_t now) {
  protocol::ArrayReplyWriter w;
  w.reserve(jobs.size() * kJobJsonBytes);
  for (const auto& j : jobs) append_job_json(w.next_item(), j, now);
  return w.finish();
}

std::string one_job(const Job& j, std::int64_t now) {
  std::string out;
  append_job_json(out, j, now);
  return out;
}

// A queued job as `submit --queue bench -- true` leaves it: no env, never started.
Job queued_job(std::uint64_t id) {
  Job j;
  j.id = id;
  j.name = "true";
  j.queue = "bench";
  j.argv = {"true"};
  j.cwd = "/";
  j.uid = 0;
  j.gid = 0;
  j.arrival_ns = 4'000'000'000'000 + static_cast<std::int64_t>(id) * 1000;
  j.submitted_ms = 1'764'400'000'000;
  return j;
}

const std::vector<std::string>& awkward_job_texts() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> t{"",
                               "quote \" backslash \\ slash /",
                               "tab\tnewline\ncr\rbell\afeed\fback\b",
                               std::string("nul\0inside", 10),
                               "del \x7f",
                               "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x90\x8e",  // é 中 🐎
                               "lone continuation \x80",
                               "truncated \xe2\x82",
                               "overlong \xc0\xaf",
                               "\xff\xfe"};
    std::string controls;
    for (int c = 1; c < 0x20; ++c) controls += static_cast<char>(c);
    t.push_back(controls);
    return t;
  }();
  return texts;
}

// Jobs in every state, with and without env, service, estimate and figures,
// awkward text in every string and the extremes of every number.
std::vector<Job> varied_jobs() {
  std::vector<Job> jobs;
  const JobState states[] = {JobState::New, JobState::Ready, JobState::Running, JobState::ReadySuspend,
                             JobState::Exit};
  std::uint64_t id = 1;
  for (const auto& text : awkward_job_texts()) {
    for (JobState st : states) {
      Job j = queued_job(id);
      j.state = st;
      j.name = id % 4 == 0 ? "" : text;  // an empty name too
      j.queue = id % 3 ? "default" : text;
      j.label = id % 2 ? text : "";
      j.argv = {"/bin/sh", "-c", text};
      if (id % 5 == 0) j.argv.push_back("");
      j.cwd = text.empty() ? "/" : "/tmp/" + text;
      if (id % 2) j.env = {{"PATH", "/usr/bin"}, {"K", text}, {"a", ""}, {"\xc3\xa9t\xc3\xa9", "\xe2\x82\xac"}};
      if (id % 7 == 0) j.env[text] = text;  // an awkward key
      j.uid = id % 3 ? 1000 : 65534;
      j.gid = id % 3 ? 100 : 0;
      j.user = id % 3 ? "" : text;
      j.estimate_ns = id % 4 == 1 ? 0 : static_cast<std::int64_t>(id) * 123'456'789;
      j.estimate_source = j.estimate_ns ? (id % 2 ? "given" : "label") : "";
      if (st != JobState::New) {
        j.start_ns = j.arrival_ns + static_cast<std::int64_t>(id) * 1'000'003;
        j.started_ms = j.submitted_ms + static_cast<std::int64_t>(id);
        j.service_ns = id % 6 == 0 ? 0 : static_cast<std::int64_t>(id) * 3'333'333;  // 0: normalized is null
        j.pid = 4000 + static_cast<pid_t>(id);
        j.start_time = 9'876'543 + id;
        j.cgroup = id % 2 ? "default/.jobs/" + std::to_string(id) : "";
      }
      if (st == JobState::Exit) {
        j.finish_ns = j.start_ns + 2'000'000'000;
        j.finished_ms = j.started_ms + 2000;
        j.cancelled = id % 2 == 0;
        j.exit_status = j.cancelled ? 137 : static_cast<int>(id % 256);
        j.exit_text = text;
      }
      jobs.push_back(j);
      ++id;
    }
  }
  return jobs;
}

// As encode() dumps: invalid UTF-8 replaced by U+FFFD rather than thrown.
std::string tree_dump(const Job& j, std::int64_t now) {
  return job_to_json(j, now).dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(JobListReply, OneJobIsItsTreeDumped) {
  for (const Job& j : varied_jobs()) ASSERT_EQ(one_job(j, kNow), tree_dump(j, kNow)) << "job " << j.id;
}

TEST(JobListReply, ReplyIsTheTreeRenderingByteForByte) {
  const auto jobs = varied_jobs();
  EXPECT_EQ(streamed(jobs, kNow), tree_rendering(jobs, kNow));
  EXPECT_EQ(streamed({}, kNow), tree_rendering({}, kNow));
  EXPECT_EQ(streamed({jobs[0]}, kNow), tree_rendering({jobs[0]}, kNow));
  std::vector<Job> queued;
  for (std::uint64_t id = 1; id <= 200; ++id) queued.push_back(queued_job(id));
  EXPECT_EQ(streamed(queued, kNow), tree_rendering(queued, kNow));
}

TEST(JobListReply, NumbersAtTheirLimits) {
  constexpr auto i64max = std::numeric_limits<std::int64_t>::max();
  constexpr auto i64min = std::numeric_limits<std::int64_t>::min();
  std::vector<Job> jobs;
  Job j = queued_job(std::numeric_limits<std::uint64_t>::max());
  j.uid = std::numeric_limits<uid_t>::max();
  j.gid = std::numeric_limits<gid_t>::max();
  j.start_time = std::numeric_limits<std::uint64_t>::max();
  j.estimate_ns = i64max;
  j.arrival_ns = -1;
  j.submitted_ms = i64min;
  j.exit_status = std::numeric_limits<int>::min();
  jobs.push_back(j);
  j = queued_job(0);
  j.state = JobState::Running;
  j.pid = -7;  // a live job's pid is listed as it is, whatever it is
  j.service_ns = 1;
  j.arrival_ns = kNow + 1'000'000'000;  // arrival after now: negative Tr and waiting
  j.estimate_ns = -5;
  jobs.push_back(j);
  j = queued_job(2);
  j.state = JobState::Exit;
  j.pid = 1234;  // a finished job lists pid 0
  j.finish_ns = i64max;
  j.arrival_ns = 0;
  j.service_ns = 3;  // a huge Tr/Ts
  jobs.push_back(j);
  for (const Job& one : jobs) EXPECT_EQ(one_job(one, kNow), tree_dump(one, kNow)) << "job " << one.id;
  EXPECT_EQ(streamed(jobs, kNow), tree_rendering(jobs, kNow));
  EXPECT_EQ(streamed(jobs, i64min / 2), tree_rendering(jobs, i64min / 2));
}

TEST(JobListReply, StreamedReplyReadsBackAsJobs) {
  const auto jobs = varied_jobs();
  std::string line = streamed(jobs, kNow);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto resp = protocol::decode_response(line);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  ASSERT_TRUE(resp->ok);
  ASSERT_EQ(resp->data.size(), jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto back = job_from_json(resp->data[i]);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->id, jobs[i].id);
    // Invalid UTF-8 comes back as U+FFFD, as it did from the tree.
    if (protocol::is_valid_utf8(jobs[i].argv[2])) {
      EXPECT_EQ(back->argv, jobs[i].argv);
    }
    EXPECT_EQ(back->state, jobs[i].state);
    EXPECT_EQ(back->service_ns, jobs[i].service_ns);
  }
}

// corralctl `jobs --json` re-indents the reply's data without a tree: on the
// listing it must take the fast path and print what parse + dump(2) prints.
TEST(JobListReply, ReindentedListingIsTheParsedDump) {
  std::vector<Job> jobs;
  for (std::uint64_t id = 1; id <= 50; ++id) jobs.push_back(queued_job(id));
  jobs[3].env = {{"HOME", "/root"}, {"LANG", "C.UTF-8"}};
  jobs[4].state = JobState::Exit;
  jobs[4].finish_ns = jobs[4].arrival_ns + 10;
  jobs[4].service_ns = 7;
  jobs[5].name = "caf\xc3\xa9 \"q\" \\ \t";
  std::string line = streamed(jobs, kNow);
  line.pop_back();
  auto resp = protocol::decode_response(line);
  ASSERT_TRUE(resp.ok());
  // The data as it stands in the line {"data":D,"ok":true,"v":1}.
  const std::string head = "{\"data\":", tail = ",\"ok\":true,\"v\":1}";
  ASSERT_EQ(line.substr(0, head.size()), head);
  ASSERT_EQ(line.substr(line.size() - tail.size()), tail);
  const std::string data = line.substr(head.size(), line.size() - head.size() - tail.size());
  std::string out;
  ASSERT_TRUE(protocol::reindent_json(data, 2, out));
  EXPECT_EQ(out, resp->data.dump(2, ' ', false, json::error_handler_t::replace));
}

// corralctl prints a long listing element by element: each element re-indented
// at depth 1 from wherever it starts in what has arrived, as the whole dump has it.
TEST(JobListReply, ElementsReindentedOneByOneMakeTheWholeDump) {
  std::vector<Job> jobs;
  for (std::uint64_t id = 1; id <= 20; ++id) jobs.push_back(queued_job(id));
  jobs[2].env = {{"A", "b"}};
  std::string line = streamed(jobs, kNow);
  auto resp = protocol::decode_response(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(resp.ok());
  const std::string want = resp->data.dump(2, ' ', false, json::error_handler_t::replace);
  std::string_view rest = std::string_view(line).substr(std::string_view("{\"data\":[").size());
  std::string out = "[";
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    out += i ? ",\n  " : "\n  ";
    std::size_t used = 0;
    ASSERT_TRUE(protocol::reindent_json_prefix(rest, 2, 1, out, used)) << i;
    ASSERT_LT(used, rest.size());
    EXPECT_EQ(rest[used], i + 1 < jobs.size() ? ',' : ']');
    rest.remove_prefix(used + 1);
  }
  out += "\n]";
  EXPECT_EQ(out, want);
  // Cut short, it is refused (the caller reads on), never taken for a whole value.
  std::string part;
  std::size_t used = 0;
  const std::string one = one_job(jobs[0], kNow);
  EXPECT_FALSE(protocol::reindent_json_prefix(std::string_view(one).substr(0, one.size() - 1), 2, 1, part, used));
}

}  // namespace
}  // namespace corral::jobs
