// SPDX-License-Identifier: Apache-2.0
// load_config on the fixture files in tests/fixtures/config: a complete good
// configuration with conf.d, and one bad file per kind of error, each checked
// for its exact file:line:column and message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include "corral/config/config.hpp"
#include "config_fixtures.hpp"

namespace corral::config {
namespace {

using namespace std::chrono_literals;


std::string all_errors(const ConfigLoad& l) {
  std::string s;
  for (auto& e : l.errors) s += e.to_string() + "\n";
  return s;
}

// Loads a bad fixture and returns its errors as "LINE:COL: MESSAGE" lines,
// checking that each names the file it came from.
std::vector<std::string> errors_of(const std::string& name, const std::string& file_in_error = "") {
  ConfigLoad l = load_config_collect(kConfigFixtures + name);
  std::vector<std::string> out;
  for (auto& e : l.errors) {
    EXPECT_EQ(e.file, kConfigFixtures + (file_in_error.empty() ? name : file_in_error)) << e.to_string();
    out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
  }
  return out;
}

using V = std::vector<std::string>;

TEST(ConfigLoad, GoodFileWithConfD) {
  ConfigLoad l = load_config_collect(kConfigFixtures + "good/corral.toml");
  ASSERT_TRUE(l.ok()) << all_errors(l);
  const Config& c = l.config;
  // conf.d: sorted *.toml only, hidden files and other names skipped.
  EXPECT_EQ(c.files_read, (V{kConfigFixtures + "good/corral.toml", kConfigFixtures + "good/conf.d/10-worker.toml",
                             kConfigFixtures + "good/conf.d/20-extra.toml"}));

  const DaemonConfig& d = c.daemon;
  EXPECT_EQ(d.socket, kConfigFixtures + "good/run/corral.sock");  // relative to the file's folder
  EXPECT_EQ(d.log_dir, "/var/log/corral-test");
  EXPECT_EQ(d.state_dir, kConfigFixtures + "good/state");
  EXPECT_EQ(d.log_max_size, 20u << 20);
  EXPECT_EQ(d.log_keep, 3u);
  EXPECT_EQ(d.fair_share, FairShare::Nice);
  EXPECT_EQ(d.fair_share_interval, 500ms);
  EXPECT_EQ(d.deadlock_check, std::optional<Duration>(10s));
  EXPECT_EQ(d.deadlock_action, DeadlockAction::RestartVictim);
  EXPECT_EQ(d.rescan_interval, 2s);
  EXPECT_EQ(d.cgroup_name, "corral-good");

  ASSERT_EQ(c.groups.size(), 4u);  // default, web, batch (main file) + extra (conf.d)
  EXPECT_EQ(c.groups.at("default").weight, 100u);
  const GroupConfig& web = c.groups.at("web");
  EXPECT_EQ(web.weight, 300u);
  EXPECT_EQ(web.cpu_max, std::optional<double>(1.5));
  EXPECT_EQ(web.memory_max, std::optional<std::uint64_t>(512u << 20));
  EXPECT_EQ(web.pids_max, std::optional<std::uint64_t>(100));
  EXPECT_EQ(web.cpus, (std::vector<int>{0, 1}));
  const GroupConfig& batch = c.groups.at("batch");
  EXPECT_FALSE(batch.cpu_max || batch.memory_max || batch.pids_max);
  EXPECT_EQ(c.groups.at("extra").weight, 10000u);

  EXPECT_EQ(c.services.size(), 7u);  // db, web@0..2, rt, worker, alpha
  const ServiceConfig& db = c.services.at("db");
  EXPECT_EQ(db.template_name, "db");
  EXPECT_EQ(db.argv, (V{"/usr/bin/sleep", "1000"}));
  EXPECT_EQ(db.user, std::optional<std::string>("nobody"));
  EXPECT_EQ(db.unix_group, std::optional<std::string>("65534"));
  EXPECT_EQ(db.umask, std::optional<mode_t>(027));
  EXPECT_EQ(db.restart, Restart::Always);
  EXPECT_EQ(db.stop_signal, SIGINT);
  EXPECT_EQ(db.stop_timeout, 30s);
  EXPECT_EQ(db.group, "default");
  ASSERT_TRUE(db.sched);
  EXPECT_EQ(db.sched->policy, sched::Policy::Batch);
  EXPECT_EQ(db.sched->nice, std::optional<int>(5));
  EXPECT_EQ(db.log_max_size, 20u << 20);  // the [daemon] value
  EXPECT_EQ(db.log_keep, 3u);
  // Defaults.
  EXPECT_TRUE(db.autostart);
  EXPECT_EQ(db.start_secs, 1s);
  EXPECT_EQ(db.backoff_initial, 100ms);
  EXPECT_EQ(db.backoff_max, 30s);
  EXPECT_EQ(db.start_limit_burst, 5u);
  EXPECT_EQ(db.start_limit_interval, 60s);
  EXPECT_TRUE(db.cwd.empty());
  EXPECT_FALSE(db.affinity);

  for (unsigned i = 0; i < 3; ++i) {
    const ServiceConfig& w = c.services.at("web@" + std::to_string(i));
    EXPECT_EQ(w.name, "web@" + std::to_string(i));
    EXPECT_EQ(w.template_name, "web");
    EXPECT_EQ(w.instance, i);
    EXPECT_EQ(w.argv, (V{"/usr/bin/env", "hello world", "a \"b\"", "c d"}));
    EXPECT_EQ(w.env, (std::map<std::string, std::string>{{"MODE", "prod"}, {"PORT", "8080"}}));
    EXPECT_EQ(w.cwd, kConfigFixtures + "good/www");
    EXPECT_EQ(w.after, (V{"db"}));
    EXPECT_EQ(w.group, "web");
    EXPECT_EQ(w.restart, Restart::OnFailure);
    EXPECT_EQ(w.start_secs, 1500ms);
    EXPECT_EQ(w.backoff_initial, 200ms);
    EXPECT_EQ(w.backoff_max, 1min);
    EXPECT_EQ(w.start_limit_burst, 3u);
    EXPECT_EQ(w.start_limit_interval, 120s);
    ASSERT_TRUE(w.affinity);
    EXPECT_EQ(w.affinity->cpus, (std::vector<int>{0, 1, 2, 3, 6}));
    EXPECT_EQ(w.affinity->threads, ThreadPlacement::Spread);
    EXPECT_EQ(w.log_max_size, 1u << 20);  // its own override
    EXPECT_EQ(w.log_keep, 3u);
  }
  EXPECT_FALSE(c.services.count("web"));

  const ServiceConfig& rt = c.services.at("rt");
  EXPECT_FALSE(rt.autostart);
  EXPECT_EQ(rt.restart, Restart::No);
  EXPECT_EQ(rt.umask, std::optional<mode_t>(077));
  EXPECT_EQ(rt.stop_signal, SIGKILL);
  EXPECT_EQ(rt.log_keep, 0u);
  ASSERT_TRUE(rt.sched);
  EXPECT_EQ(rt.sched->policy, sched::Policy::Fifo);
  EXPECT_EQ(rt.sched->priority, 10u);
  sched::SchedSpec spec = rt.sched->to_spec();
  EXPECT_EQ(spec.policy, sched::Policy::Fifo);
  EXPECT_EQ(spec.priority, 10u);

  const ServiceConfig& worker = c.services.at("worker");
  EXPECT_EQ(worker.argv, (V{"/bin/sleep", "60"}));
  ASSERT_TRUE(worker.sched);
  spec = worker.sched->to_spec();
  EXPECT_EQ(spec.policy, sched::Policy::Deadline);
  EXPECT_EQ(spec.runtime_ns, 10'000'000u);
  EXPECT_EQ(spec.deadline_ns, 30'000'000u);
  EXPECT_EQ(spec.period_ns, 100'000'000u);
  EXPECT_EQ(c.services.at("alpha").group, "extra");
}

TEST(ConfigLoad, ResultFormHasOneErrorPerLine) {
  auto r = load_config(kConfigFixtures + "undefined_group.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_EQ(
      r.error().message,
      kConfigFixtures + "undefined_group.toml:6:9: service.web.group: undefined group \"btach\" (did you mean \"batch\"?)\n" +
          kConfigFixtures +
          "undefined_group.toml:10:9: service.api.group: undefined group \"nosuch\" (define it with [group.nosuch])");
  auto good = load_config(kConfigFixtures + "good/corral.toml");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->services.size(), 7u);
}

TEST(ConfigLoad, MissingFileIsEnoent) {
  auto r = load_config(kConfigFixtures + "no-such-file.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_EQ(r.error().message,
            kConfigFixtures + "no-such-file.toml: cannot read: No such file or directory");
}

TEST(ConfigLoad, SyntaxError) {
  V e = errors_of("syntax.toml");
  ASSERT_EQ(e.size(), 1u);
  // Named at the opening quote, not where toml++ noticed (issue 9, fix 7).
  EXPECT_EQ(e[0], "3:11: TOML syntax error: unterminated string: no closing \" before the end of the line");
}

TEST(ConfigLoad, UnknownKeysGetHints) {
  EXPECT_EQ(errors_of("unknown_key.toml"),
            (V{"1:1: unknown key \"servce\" at the top level (did you mean \"service\"?)",
               "5:1: unknown key \"restrat\" in service.web (did you mean \"restart\"?)",
               "8:1: unknown key \"sokcet\" in daemon (did you mean \"socket\"?)",
               "11:1: unknown key \"frobnicate\" in service.api"}));
}

TEST(ConfigLoad, WrongTypesNameTheExpectedType) {
  EXPECT_EQ(errors_of("wrong_type.toml"),
            (V{"3:13: service.web.autostart: expected a boolean (true or false), got a string",
               "4:13: service.web.instances: expected an integer, got a string",
               "5:13: service.web.env.A: expected a string, got an integer",
               "6:9: service.web.after: expected an array of service names, got a string",
               "7:16: service.web.stop_timeout: expected a duration (a string like \"10s\" or a number of seconds), "
               "got a boolean",
               "10:11: service.api.command: expected an array of strings or a string, got an integer",
               "13:17: service.api2.command[1]: expected a string, got an integer"}));
}

TEST(ConfigLoad, BadEnum) {
  EXPECT_EQ(errors_of("bad_enum.toml"),
            (V{"3:11: service.web.restart: expected \"no\", \"on-failure\" or \"always\", got \"sometimes\""}));
}

TEST(ConfigLoad, BadDuration) {
  EXPECT_EQ(errors_of("bad_duration.toml"),
            (V{"3:16: service.web.stop_timeout: bad duration \"10 parsecs\": unknown unit \"parsecs\" (use ns, us, "
               "ms, s, m or h)",
               "4:14: service.web.start_secs: a duration must not be negative"}));
}

TEST(ConfigLoad, AfterCycles) {
  EXPECT_EQ(errors_of("after_cycle.toml"),
            (V{"3:9: service.a.after: dependency cycle: a -> c -> b -> a (each waits for the next)",
               "15:9: service.d.after: dependency cycle: d -> d (each waits for the next)"}));
}

TEST(ConfigLoad, UnknownAfter) {
  EXPECT_EQ(errors_of("unknown_after.toml"),
            (V{"3:16: service.web.after: unknown service \"dbb\" (did you mean \"db\"?)"}));
}

TEST(ConfigLoad, UndefinedGroup) {
  EXPECT_EQ(errors_of("undefined_group.toml"),
            (V{"6:9: service.web.group: undefined group \"btach\" (did you mean \"batch\"?)",
               "10:9: service.api.group: undefined group \"nosuch\" (define it with [group.nosuch])"}));
}

TEST(ConfigLoad, UnbalancedQuoteInCommand) {
  EXPECT_EQ(errors_of("unbalanced_quote.toml"),
            (V{"2:11: service.web.command: unbalanced single quote in command (opened at character 11)"}));
}

TEST(ConfigLoad, DuplicatesAcrossFilesNameBothPlaces) {
  ConfigLoad l = load_config_collect(kConfigFixtures + "dup/corral.toml");
  ASSERT_EQ(l.errors.size(), 3u) << all_errors(l);
  EXPECT_EQ(l.errors[0].to_string(),
            kConfigFixtures + "dup/conf.d/a.toml:1:1: group \"g\" is defined twice: here and at " + kConfigFixtures + "dup/corral.toml:4:1");
  EXPECT_EQ(l.errors[1].to_string(), kConfigFixtures + "dup/conf.d/b.toml:3:1: service \"web\" is defined twice: here and at " +
                                         kConfigFixtures + "dup/corral.toml:1:1");
  EXPECT_EQ(l.errors[2].to_string(), kConfigFixtures + "dup/conf.d/b.toml:7:10: daemon.socket: already set at " + kConfigFixtures +
                                         "dup/corral.toml:8:10 (a [daemon] key may be set only once)");
}

TEST(ConfigLoad, CollectsEveryError) {
  EXPECT_EQ(errors_of("many_errors.toml"),
            (V{
                "2:14: daemon.fair_share: expected \"cgroup\", \"nice\" or \"off\", got \"cgroups\"",
                "3:16: daemon.log_max_size: bad size \"10Q\": unknown unit \"Q\" (use K, M, G or T)",
                "6:10: group.g.weight: expected an integer from 1 to 10000, got 0",
                "7:11: group.g.cpu_max: expected a percentage of one CPU like \"150%\" (1.5 CPUs), or \"max\", got "
                "\"1.5\"",
                "10:11: service.s.command: must not be empty",
                "11:9: service.s.umask: expected octal digits like \"027\", got \"999\"",
                "12:39: service.s.sched.priority: expected an integer from 1 to 99, got 100",
                "12:51: service.s.sched.nice: nice applies only to policies \"other\", \"batch\" and \"idle\" (policy "
                "is \"fifo\")",
                "13:21: service.s.affinity.cpus: bad CPU range \"3-1\": start is after end",
                "13:38: service.s.affinity.threads: expected \"spread\", \"compact\" or \"none\", got \"diagonal\"",
                "14:15: service.s.stop_signal: unknown signal \"TREM\" (expected a name like \"TERM\" or \"SIGINT\", "
                "or a number)",
            }));
}

TEST(ConfigLoad, SchedValidationPerPolicy) {
  EXPECT_EQ(errors_of("bad_sched.toml"),
            (V{
                "3:9: service.a.sched.priority: policy \"rr\" needs a priority from 1 to 99",
                "7:40: service.b.sched.priority: only policies \"fifo\" and \"rr\" take a priority (policy is "
                "\"other\")",
                "11:42: service.c.sched.runtime: must not exceed deadline (20ms > 10ms)",
                "15:77: service.d.sched.period: must not be shorter than deadline (5ms < 10ms)",
                "19:9: service.e.sched.deadline: policy \"deadline\" needs runtime and deadline",
                "23:36: service.f.sched.nice: expected an integer from -20 to 19, got 20",
                "27:39: service.g.sched.runtime: only policy \"deadline\" takes runtime (policy is \"batch\")",
                "31:16: service.h.sched.policy: expected \"other\", \"batch\", \"idle\", \"fifo\", \"rr\" or "
                "\"deadline\", got \"realtime\"",
            }));
}

TEST(ConfigLoad, NamesAndMissingCommand) {
  EXPECT_EQ(errors_of("bad_names.toml"),
            (V{
                "1:1: service.web.command: missing (every service needs a command: an argv array or a string)",
                "4:10: service.a@b: \"a@b\" is not a valid name (use letters, digits, '_', '-' and '.'; at most 64; "
                "not starting with '.')",
                "8:13: service.notatable: expected a table ([service.notatable]), got a string",
                "13:15: service.x.backoff_max: backoff_initial (5s) must not exceed backoff_max (1s)",
            }));
}

TEST(ConfigLoad, NulCharactersAreRefused) {
  EXPECT_EQ(errors_of("nul.toml"), (V{"2:17: service.a.command[1]: must not contain a NUL character",
                                      "3:13: service.a.env.A: must not contain a NUL character",
                                      "4:8: service.a.user: must not contain a NUL character"}));
}

TEST(ConfigLoad, ManPageExampleLoads) {
  ConfigLoad l = load_config_collect(kConfigFixtures + "man_example/corral.toml");
  ASSERT_TRUE(l.ok()) << all_errors(l);
  EXPECT_EQ(l.config.services.size(), 5u);
  EXPECT_EQ(l.config.services.at("web@1").argv,
            (V{"/usr/bin/python3", "-m", "http.server", "8080", "--directory", "/srv/my site"}));
  EXPECT_EQ(l.config.services.at("worker").group, "batch");
  EXPECT_EQ(start_order(l.config), (V{"db", "nightly", "web@0", "web@1", "worker"}));
}

// A private folder under /tmp for configs written by a test, removed afterwards.
class TempConfigDir {
 public:
  TempConfigDir() {
    static int n = 0;
    dir_ = "/tmp/corral-config-test-" + std::to_string(getpid()) + "-" + std::to_string(n++);
    std::filesystem::create_directories(dir_ + "/conf.d");
  }
  ~TempConfigDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr) << path;
    if (f) {
      std::fputs(text.c_str(), f);
      std::fclose(f);
    }
    return path;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

TEST(ConfigLoad, HeaderFormsOverridesAndConfDPaths) {
  TempConfigDir t;
  std::string main = t.write("corral.toml", R"(
[daemon]
deadlock_check = "off"
log_keep = 2

[group.default]
weight = 400

[service.web]
command = "/bin/true"
log_max_size = 4096

[service.web.sched]
policy = "idle"

[service.web.env]
A = "1"
)");
  t.write("conf.d/b.toml", "[service.b]\ncommand = ['/bin/true']\ncwd = 'sub'\n");
  t.write("conf.d/a.toml", "[daemon]\nstate_dir = 'st'\n");
  t.write("conf.d/c.toml.bak", "this is skipped");
  ConfigLoad l = load_config_collect(main);
  ASSERT_TRUE(l.ok()) << all_errors(l);
  EXPECT_EQ(l.config.files_read, (V{main, t.dir() + "/conf.d/a.toml", t.dir() + "/conf.d/b.toml"}));
  EXPECT_FALSE(l.config.daemon.deadlock_check);
  EXPECT_EQ(l.config.daemon.state_dir, t.dir() + "/conf.d/st");  // relative to conf.d, where it was written
  EXPECT_EQ(l.config.groups.at("default").weight, 400u);
  const ServiceConfig& web = l.config.services.at("web");
  ASSERT_TRUE(web.sched);
  EXPECT_EQ(web.sched->policy, sched::Policy::Idle);
  EXPECT_EQ(web.env.at("A"), "1");
  EXPECT_EQ(web.log_max_size, 4096u);
  EXPECT_EQ(web.log_keep, 2u);
  EXPECT_EQ(l.config.services.at("b").cwd, t.dir() + "/conf.d/sub");
}

TEST(ConfigLoad, EmptyFileIsAValidConfig) {
  TempConfigDir t;
  ConfigLoad l = load_config_collect(t.write("corral.toml", "# nothing yet\n"));
  ASSERT_TRUE(l.ok()) << all_errors(l);
  EXPECT_TRUE(l.config.services.empty());
  EXPECT_EQ(l.config.groups.size(), 1u);
  EXPECT_EQ(l.config.daemon, default_daemon_config());
}

TEST(ConfigLoad, SyntaxErrorInConfDStillChecksTheOtherFiles) {
  TempConfigDir t;
  std::string main = t.write("corral.toml", "[service.a]\ncommand = 'x'\nrestart = 'never'\n");
  t.write("conf.d/x.toml", "garbage =\n");
  ConfigLoad l = load_config_collect(main);
  ASSERT_EQ(l.errors.size(), 2u) << all_errors(l);
  EXPECT_EQ(l.errors[0].to_string(),
            main + ":3:11: service.a.restart: expected \"no\", \"on-failure\" or \"always\", got \"never\"");
  EXPECT_EQ(l.errors[1].file, t.dir() + "/conf.d/x.toml");
  EXPECT_EQ(l.errors[1].line, 1u);
  EXPECT_NE(l.errors[1].message.find("TOML syntax error"), std::string::npos);
}

TEST(ConfigLoad, DaemonDefaultsByUser) {
  DaemonConfig root = default_daemon_config(0, {});
  EXPECT_EQ(root.socket, "/run/corral/corral.sock");
  EXPECT_EQ(root.log_dir, "/var/log/corral");
  EXPECT_EQ(root.state_dir, "/var/lib/corral");
  EXPECT_EQ(root.log_max_size, 10u << 20);
  EXPECT_EQ(root.log_keep, 5u);
  EXPECT_EQ(root.fair_share, FairShare::Cgroup);
  EXPECT_EQ(root.fair_share_interval, 1s);
  EXPECT_FALSE(root.deadlock_check);
  EXPECT_EQ(root.deadlock_action, DeadlockAction::Log);
  EXPECT_EQ(root.rescan_interval, 1s);

  DaemonConfig user = default_daemon_config(1000, {{"XDG_RUNTIME_DIR", "/run/user/1000"}, {"HOME", "/home/u"}});
  EXPECT_EQ(user.socket, "/run/user/1000/corral/corral.sock");
  EXPECT_EQ(user.log_dir, "/home/u/.local/state/corral/log");
  EXPECT_EQ(user.state_dir, "/home/u/.local/state/corral/state");
  user = default_daemon_config(1000, {{"XDG_STATE_HOME", "/st"}, {"HOME", "/home/u"}});
  EXPECT_EQ(user.socket, "/tmp/corral-1000/corral.sock");
  EXPECT_EQ(user.log_dir, "/st/corral/log");
  EXPECT_EQ(user.state_dir, "/st/corral/state");
}

}  // namespace
}  // namespace corral::config
