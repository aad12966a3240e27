// SPDX-License-Identifier: Apache-2.0
// The IPC demos as a user runs them: real programs, real processes, real
// shared memory and queues. Each run is checked through its --json summary,
// and every test checks that nothing is left behind in /dev/shm or the POSIX
// message-queue namespace.
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "corral/base/file_read.hpp"
#include "program_dir.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string demo(const std::string& name) { return corral::testing::program_dir() + "/examples/corral-demo-" + name; }

// A started demo: its pid and the read end of its stdout.
struct Running {
  pid_t pid = -1;
  int out = -1;
  std::string text;
  int status = -1;
};

// own_group: the demo leads its own process group, like a job started from a shell.
Running start(const std::string& prog, const std::vector<std::string>& args, bool own_group = false) {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  Running r;
  r.pid = ::fork();
  if (r.pid == 0) {
    if (own_group) ::setpgid(0, 0);
    ::dup2(p[1], STDOUT_FILENO);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(prog.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(prog.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  r.out = p[0];
  return r;
}

// Reads stdout to EOF and reaps, with a generous deadline (the machine is shared).
void finish(Running& r, std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto deadline = Clock::now() + limit;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::kill(r.pid, SIGKILL);
      ADD_FAILURE() << "demo did not finish within " << limit.count() << " s";
      break;
    }
    pollfd pfd{r.out, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) <= 0) continue;
    const ssize_t n = ::read(r.out, buf, sizeof buf);
    if (n <= 0) break;
    r.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(r.out);
  ::waitpid(r.pid, &r.status, 0);
}

struct Result {
  int code = -1;
  json j;
};

Result run(const std::string& name, std::vector<std::string> args) {
  args.push_back("--json");
  Running r = start(demo(name), args);
  finish(r);
  Result res;
  res.code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status);
  res.j = json::parse(r.text, nullptr, false);
  EXPECT_FALSE(res.j.is_discarded()) << "not JSON: " << r.text;
  return res;
}

// /dev/shm entries whose name starts with prefix.
std::vector<std::string> shm_entries(const std::string& prefix) {
  std::vector<std::string> found;
  DIR* d = ::opendir("/dev/shm");
  if (!d) return found;
  while (dirent* e = ::readdir(d))
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) found.emplace_back(e->d_name);
  ::closedir(d);
  return found;
}

bool posix_mq_exists(const std::string& name) {
  const mqd_t q = ::mq_open(("/" + name).c_str(), O_RDONLY);
  if (q == static_cast<mqd_t>(-1)) return errno != ENOENT;
  ::mq_close(q);
  return true;
}

// Children of pid, from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> kids;
  DIR* d = ::opendir("/proc");
  std::string stat;
  while (dirent* e = ::readdir(d)) {
    const pid_t p = static_cast<pid_t>(std::atoi(e->d_name));
    if (p <= 0) continue;
    if (!corral::read_file_at(AT_FDCWD, ("/proc/" + std::to_string(p) + "/stat").c_str(), stat)) continue;
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == pid) kids.push_back(p);
  }
  ::closedir(d);
  return kids;
}

template <typename F>
bool eventually(F f, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = Clock::now() + limit;
  while (!f()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool gone(pid_t p) { return ::kill(p, 0) != 0 && errno == ESRCH; }

// Interrupts a running demo once its first shared-memory segment exists and
// its children are up, then checks exit 130, no leftovers, no surviving child.
// With to_group, SIGINT goes to the whole process group, as Ctrl-C in a terminal does.
json interrupt_run(const std::string& name, const std::vector<std::string>& args, const std::string& shm_prefix,
                   bool to_group = false) {
  std::vector<std::string> a = args;
  a.push_back("--json");
  Running r = start(demo(name), a, to_group);
  const std::string mine = shm_prefix + std::to_string(r.pid) + "-";
  EXPECT_TRUE(eventually([&] { return !shm_entries(mine).empty(); })) << "no segment " << mine << "*";
  std::vector<pid_t> kids;
  EXPECT_TRUE(eventually([&] { return (kids = children_of(r.pid)).size() >= 2; }));
  ::kill(to_group ? -r.pid : r.pid, SIGINT);
  finish(r);
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 130) << "status " << r.status;
  EXPECT_TRUE(shm_entries(mine).empty());
  for (pid_t k : kids) EXPECT_TRUE(eventually([&] { return gone(k); })) << "child " << k << " survived";
  json j = json::parse(r.text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.text;
  return j;
}

}  // namespace

TEST(IpcDemos, EveryDemoHasHelp) {
  for (const char* name : {"prodcons", "mqueue", "philosophers", "readers-writers", "semaphore"}) {
    Running r = start(demo(name), {"--help"});
    finish(r);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << name;
    EXPECT_NE(r.text.find("--json"), std::string::npos) << name;
  }
}

TEST(IpcDemos, ProdconsVerifiesSmallRun) {
  auto r = run("prodcons", {"--producers", "3", "--consumers", "2", "--capacity", "4", "--items", "3000"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.j["verified"].get<bool>());
  EXPECT_EQ(r.j["consumed"], 3000);
  EXPECT_EQ(r.j["missing"], 0);
  EXPECT_EQ(r.j["duplicated"], 0);
  EXPECT_LE(r.j["occupancy"]["max"].get<int>(), 4);
  EXPECT_GE(r.j["occupancy"]["min"].get<int>(), 0);
  EXPECT_TRUE(shm_entries(r.j["segment"].get<std::string>()).empty());
}

// The benchmark's case (1 producer, 1 consumer, K=64, batch 1), where waits
// first retry for a moment before they block (issue 13): the verification holds,
// and every item still went through wait(empty) and wait(full), one each (plus
// the stop pill per consumer), whether the wait blocked or not.
TEST(IpcDemos, ProdconsTextbookK64EveryItemThroughBothSemaphores) {
  auto r = run("prodcons", {"--producers", "1", "--consumers", "1", "--capacity", "64", "--items", "200000"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.j["verified"].get<bool>());
  EXPECT_EQ(r.j["consumed"], 200000);
  EXPECT_EQ(r.j["missing"], 0);
  EXPECT_EQ(r.j["duplicated"], 0);
  EXPECT_EQ(r.j["bad_checksums"], 0);
  EXPECT_EQ(r.j["order_violations"], 0);
  EXPECT_EQ(r.j["occupancy"]["violations"], 0);
  EXPECT_LE(r.j["occupancy"]["max"].get<int>(), 64);
  EXPECT_GE(r.j["occupancy"]["min"].get<int>(), 0);
  EXPECT_EQ(r.j["producers_wait_empty"]["waits"], 200001);
  EXPECT_EQ(r.j["consumers_wait_full"]["waits"], 200001);
  EXPECT_EQ(r.j["mutex"]["waits"], 2 * 200001);
  EXPECT_TRUE(shm_entries(r.j["segment"].get<std::string>()).empty());
}

// Many producers and consumers on a ring of one slot: the most contended case
// for the mutex and the semaphores; nothing lost, duplicated or reordered.
TEST(IpcDemos, ProdconsCrowdedRingOfOneSlotVerifies) {
  auto r = run("prodcons", {"--producers", "4", "--consumers", "3", "--capacity", "1", "--items", "30000"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.j["verified"].get<bool>());
  EXPECT_EQ(r.j["consumed"], 30000);
  EXPECT_EQ(r.j["order_violations"], 0);
  EXPECT_LE(r.j["occupancy"]["max"].get<int>(), 1);
  EXPECT_GE(r.j["occupancy"]["min"].get<int>(), 0);
  EXPECT_TRUE(shm_entries(r.j["segment"].get<std::string>()).empty());
}

TEST(IpcDemos, ProdconsReportsKilledConsumerAndCleansUp) {
  auto r = run("prodcons", {"--items", "20000", "--kill-consumer-after", "50"});
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(r.j["verified"].get<bool>());
  const std::string failure = r.j["end"]["failure"];
  EXPECT_NE(failure.find("consumer#0"), std::string::npos) << failure;
  EXPECT_NE(failure.find("signal 9"), std::string::npos) << failure;
  EXPECT_GT(r.j["missing"].get<int>(), 0);
  EXPECT_TRUE(shm_entries(r.j["segment"].get<std::string>()).empty());
}

TEST(IpcDemos, ProdconsExternalKillOfAChildIsReported) {
  // The test itself SIGKILLs one child mid-run: the parent must notice, not hang.
  Running r = start(demo("prodcons"), {"--items", "4000000", "--capacity", "2", "--json"});
  std::vector<pid_t> kids;
  ASSERT_TRUE(eventually([&] { return (kids = children_of(r.pid)).size() >= 4; }));
  ::kill(kids.front(), SIGKILL);
  finish(r);
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1) << r.status;
  json j = json::parse(r.text, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_NE(j["end"]["failure"].get<std::string>().find("pid " + std::to_string(kids.front())), std::string::npos);
  EXPECT_TRUE(shm_entries(j["segment"].get<std::string>()).empty());
}

TEST(IpcDemos, TwoConcurrentRunsDoNotCollide) {
  Running a = start(demo("prodcons"), {"--items", "20000", "--json"});
  Running b = start(demo("prodcons"), {"--items", "20000", "--json"});
  finish(a);
  finish(b);
  json ja = json::parse(a.text, nullptr, false), jb = json::parse(b.text, nullptr, false);
  ASSERT_FALSE(ja.is_discarded());
  ASSERT_FALSE(jb.is_discarded());
  EXPECT_TRUE(ja["verified"].get<bool>());
  EXPECT_TRUE(jb["verified"].get<bool>());
  EXPECT_NE(ja["segment"], jb["segment"]);
}

TEST(IpcDemos, SemaphoreShowsTextbookValuesAndFifoWakeup) {
  auto r = run("semaphore", {"--initial", "3", "--processes", "5"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.j["verified"].get<bool>());
  ASSERT_EQ(r.j["kinds"].size(), 2u);
  for (const auto& k : r.j["kinds"]) {
    std::vector<int> values;
    for (const auto& s : k["steps"]) values.push_back(s["value_after"]);
    EXPECT_EQ(values, (std::vector<int>{2, 1, 0, -1, -2, -1, 0})) << k["kind"];
    EXPECT_EQ(k["blocked_in_kernel"], 2);
    EXPECT_EQ(k["wake_order"].size(), 2u);
  }
  EXPECT_EQ(r.j["kinds"][0]["kind"], "strong");
  EXPECT_EQ(r.j["kinds"][0]["wake_order"], (std::vector<int>{4, 5}));
}

TEST(IpcDemos, MqueueBothBackendsVerify) {
  auto r = run("mqueue", {"--producers", "2", "--workers", "3", "--messages", "500"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.j["verified"].get<bool>());
  ASSERT_EQ(r.j["runs"].size(), 2u);
  for (const auto& run : r.j["runs"]) {
    EXPECT_EQ(run["received"], 1000);
    EXPECT_EQ(run["order_violations"], 0);
  }
  EXPECT_GT(r.j["msgs_per_s"]["boost"].get<double>(), 0);
  EXPECT_GT(r.j["msgs_per_s"]["posix"].get<double>(), 0);
  for (const auto& q : r.j["runs"][1]["queues"]) EXPECT_FALSE(posix_mq_exists(q));
  for (const auto& q : r.j["runs"][0]["queues"]) EXPECT_TRUE(shm_entries(q).empty());
}

TEST(IpcDemos, MqueueKilledWorkerIsReportedAndQueuesRemoved) {
  for (const char* backend : {"posix", "boost"}) {
    auto r = run("mqueue", {"--backend", backend, "--messages", "5000", "--kill-worker-after", "20"});
    EXPECT_EQ(r.code, 1) << backend;
    EXPECT_FALSE(r.j["verified"].get<bool>());
    const auto& run = r.j["runs"][0];
    EXPECT_NE(run["end"]["failure"].get<std::string>().find("worker#0"), std::string::npos);
    for (const auto& q : run["queues"]) {
      EXPECT_FALSE(posix_mq_exists(q)) << q;
      EXPECT_TRUE(shm_entries(q).empty()) << q;
    }
  }
}

TEST(IpcDemos, MqueueSigintRemovesPosixQueues) {
  json j = interrupt_run("mqueue", {"--backend", "posix", "--messages", "1000000", "--work-us", "200"},
                         "corral-mq-posix-");
  ASSERT_TRUE(j.contains("runs"));
  for (const auto& q : j["runs"][0]["queues"]) EXPECT_FALSE(posix_mq_exists(q)) << q;
}

TEST(IpcDemos, ProdconsCtrlCToTheGroupCleansUp) {
  json j = interrupt_run("prodcons", {"--items", "4000000", "--capacity", "4"}, "corral-prodcons-", true);
  EXPECT_FALSE(j["verified"].get<bool>());
  EXPECT_EQ(j["end"]["outcome"], "interrupted");
}

TEST(IpcDemos, ReadersWritersEveryPolicyVerifies) {
  for (const char* p : {"readers", "writers", "fair"}) {
    auto r = run("readers-writers", {"--priority", p, "--duration", "0.5", "--readers", "3", "--writers", "2"});
    EXPECT_EQ(r.code, 0) << p;
    EXPECT_TRUE(r.j["verified"].get<bool>()) << p;
    EXPECT_EQ(r.j["torn_reads"], 0);
    EXPECT_EQ(r.j["final_version"], r.j["writes"]);
    EXPECT_GT(r.j["reads"].get<int>() + r.j["writes"].get<int>(), 0);
  }
}

TEST(IpcDemos, ReadersWritersSigintCleansUp) {
  json j = interrupt_run("readers-writers", {"--duration", "120"}, "corral-rw-");
  EXPECT_FALSE(j["verified"].get<bool>());
  EXPECT_EQ(j["end"]["outcome"], "interrupted");
}

TEST(IpcDemos, PhilosophersSafeStrategiesFeedEveryone) {
  for (const char* s : {"ordered", "waiter"}) {
    auto r = run("philosophers", {"--strategy", s, "--meals", "5", "--eat-us", "500", "--think-us", "200"});
    EXPECT_EQ(r.code, 0) << s;
    EXPECT_TRUE(r.j["verified"].get<bool>()) << s;
    EXPECT_EQ(r.j["meals"], (std::vector<int>{5, 5, 5, 5, 5}));
    EXPECT_EQ(r.j["neighbour_overlaps"], 0);
  }
}

TEST(IpcDemos, PhilosophersForcedDeadlockIsFoundAndCleanedUp) {
  auto r = run("philosophers", {"--strategy", "naive", "--force-deadlock", "--timeout", "1"});
  EXPECT_EQ(r.code, 4);
  EXPECT_TRUE(r.j["deadlock"].get<bool>());
  EXPECT_FALSE(r.j["verified"].get<bool>());
  // Each philosopher holds its left fork and waits for the right one.
  int holding = 0;
  for (const auto& line : r.j["cycle"]) holding += line.get<std::string>().find("registry: ") == 0 ? 1 : 0;
  EXPECT_EQ(holding, 5);
  EXPECT_TRUE(shm_entries(r.j["registry_segment"].get<std::string>()).empty());
}

TEST(IpcDemos, PhilosophersForceDeadlockNeedsNaive) {
  Running r = start(demo("philosophers"), {"--strategy", "ordered", "--force-deadlock"});
  finish(r);
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1);
}
