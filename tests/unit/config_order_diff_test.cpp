// SPDX-License-Identifier: Apache-2.0
// start_order, diff and to_launch_spec over loaded fixtures and hand-built configs.
#include <gtest/gtest.h>
#include <unistd.h>

#include "corral/config/config.hpp"
#include "corral/config/config_diff.hpp"
#include "corral/config/to_launch_spec.hpp"
#include "config_fixtures.hpp"

namespace corral::config {
namespace {

using V = std::vector<std::string>;

Config load_ok(const std::string& path) {
  auto r = load_config(path);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : Config{};
}

ServiceConfig svc(const std::string& tpl, unsigned instance, unsigned count, V after = {}) {
  ServiceConfig s;
  s.template_name = tpl;
  s.instance = instance;
  s.name = count == 1 ? tpl : tpl + "@" + std::to_string(instance);
  s.argv = {"/bin/true"};
  s.after = std::move(after);
  return s;
}

void add(Config& c, const ServiceConfig& s) { c.services[s.name] = s; }

TEST(ConfigStartOrder, FollowsAfterThenName) {
  Config c = load_ok(kConfigFixtures + "good/corral.toml");
  // db first (web waits for it), web's instances in number order, rt after web
  // and db; worker and alpha (after worker) come by name once free.
  EXPECT_EQ(start_order(c), (V{"db", "web@0", "web@1", "web@2", "rt", "worker", "alpha"}));
}

TEST(ConfigStartOrder, InstancesInNumberOrderAndWaitForAllOfADependency) {
  Config c;
  for (unsigned i = 0; i < 12; ++i) add(c, svc("pool", i, 12));
  add(c, svc("api", 0, 1, {"pool"}));
  add(c, svc("zeta", 0, 1));
  V order = start_order(c);
  // pool@2 before pool@10; zeta is free from the start but sorts after "pool",
  // and api becomes ready (and sorts first) once the last pool instance is out.
  V expected;
  for (unsigned i = 0; i < 12; ++i) expected.push_back("pool@" + std::to_string(i));
  expected.push_back("api");
  expected.push_back("zeta");
  EXPECT_EQ(order, expected);
}

TEST(ConfigStartOrder, ChainAndUnknownNamesAndCyclesDoNotHang) {
  Config c;
  add(c, svc("a", 0, 1, {"b"}));
  add(c, svc("b", 0, 1, {"c", "missing"}));  // unknown names are ignored here (load rejects them)
  add(c, svc("c", 0, 1));
  EXPECT_EQ(start_order(c), (V{"c", "b", "a"}));
  add(c, svc("x", 0, 1, {"y"}));
  add(c, svc("y", 0, 1, {"x"}));  // a cycle load would have rejected: still every name once
  EXPECT_EQ(start_order(c), (V{"c", "b", "a", "x", "y"}));
}

TEST(ConfigDiff, AddedRemovedChangedUnchanged) {
  Config before = load_ok(kConfigFixtures + "diff_old/corral.toml");
  Config after = load_ok(kConfigFixtures + "diff_new/corral.toml");
  ConfigDiff d = diff(before, after);
  EXPECT_EQ(d.added, (V{"new"}));
  EXPECT_EQ(d.removed, (V{"drop", "pool@2"}));  // scaling 3 -> 2 stops only the last one
  EXPECT_EQ(d.changed, (V{"edit"}));
  EXPECT_EQ(d.unchanged, (V{"keep", "pool@0", "pool@1"}));
  EXPECT_EQ(d.groups_added, (V{"k"}));
  EXPECT_EQ(d.groups_removed, (V{"h"}));
  EXPECT_EQ(d.groups_changed, (V{"g"}));
  EXPECT_FALSE(d.daemon_changed);
  EXPECT_FALSE(d.empty());

  ConfigDiff same = diff(after, after);
  EXPECT_TRUE(same.empty());
  EXPECT_EQ(same.unchanged.size(), after.services.size());
}

TEST(ConfigDiff, AnySettingCountsAsAChange) {
  Config a = load_ok(kConfigFixtures + "good/corral.toml");
  Config b = a;
  b.services.at("db").sched->nice = 6;
  b.services.at("web@1").affinity->threads = ThreadPlacement::Compact;
  b.services.at("rt").log_keep = 9;
  b.groups.at("web").cpus = {0};
  b.daemon.deadlock_check.reset();
  ConfigDiff d = diff(a, b);
  EXPECT_EQ(d.changed, (V{"db", "rt", "web@1"}));
  EXPECT_EQ(d.groups_changed, (V{"web"}));
  EXPECT_TRUE(d.daemon_changed);
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.removed.empty());
}

TEST(ConfigToLaunchSpec, MapsStaticSettings) {
  Config c = load_ok(kConfigFixtures + "good/corral.toml");
  launch::LaunchSpec web = to_launch_spec(c.services.at("web@1"));
  EXPECT_EQ(web.argv, (V{"/usr/bin/env", "hello world", "a \"b\"", "c d"}));
  EXPECT_EQ(web.env.at("PORT"), "8080");
  EXPECT_EQ(web.env.at("PATH"), kDefaultServicePath);
  EXPECT_EQ(web.env.at("CORRAL_SERVICE"), "web@1");
  EXPECT_EQ(web.env.at("CORRAL_INSTANCE"), "1");
  EXPECT_EQ(web.cwd, kConfigFixtures + "good/www");
  EXPECT_EQ(web.cpu_affinity, (std::vector<int>{0, 1, 2, 3, 6}));
  EXPECT_FALSE(web.sched);
  EXPECT_EQ(web.stdin_target.kind, launch::StdioTarget::Kind::Null);
  EXPECT_EQ(web.stdout_target.kind, launch::StdioTarget::Kind::Inherit);

  launch::LaunchSpec db = to_launch_spec(c.services.at("db"));
  EXPECT_EQ(db.user, std::optional<std::string>("nobody"));
  EXPECT_EQ(db.group, std::optional<std::string>("65534"));
  EXPECT_EQ(db.umask, std::optional<mode_t>(027));
  ASSERT_TRUE(db.sched);
  EXPECT_EQ(db.sched->policy, sched::Policy::Batch);
  EXPECT_EQ(db.sched->nice, std::optional<int>(5));
  EXPECT_TRUE(db.cpu_affinity.empty());

  ServiceConfig custom = c.services.at("db");
  custom.env["PATH"] = "/opt/bin";
  EXPECT_EQ(to_launch_spec(custom).env.at("PATH"), "/opt/bin");  // the config wins
}

TEST(ConfigLoad, RelativeConfigPathResolvesAgainstItsFolder) {
  char old_cwd[4096];
  ASSERT_NE(getcwd(old_cwd, sizeof old_cwd), nullptr);
  ASSERT_EQ(chdir((kConfigFixtures + "good").c_str()), 0);
  ConfigLoad l = load_config_collect("corral.toml");
  ASSERT_EQ(chdir(old_cwd), 0);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.config.files_read, (V{"corral.toml", "conf.d/10-worker.toml", "conf.d/20-extra.toml"}));
  EXPECT_EQ(l.config.daemon.socket, kConfigFixtures + "good/run/corral.sock");
  EXPECT_EQ(l.config.services.at("web@0").cwd, kConfigFixtures + "good/www");
}

}  // namespace
}  // namespace corral::config
