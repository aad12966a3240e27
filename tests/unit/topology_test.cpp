// SPDX-License-Identifier: Apache-2.0
// CpuTopology on fake sysfs trees built here and on this machine's real /sys, and the
// spread/compact placements over them.
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "corral/base/cpu_list.hpp"
#include "corral/sched/placement.hpp"
#include "corral/sched/topology.hpp"

namespace fs = std::filesystem;
using namespace corral;
using namespace corral::sched;

namespace {

void put_file(const fs::path& p, const std::string& v) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << v << "\n";
}

// Linux numbering: CPU id = thread * (packages*cores) + global core index, so the
// SMT siblings of core c are c and c + ncores (e.g. 0 and 4 on a 4-core SMT box).
// NUMA nodes take consecutive global cores.
struct FakeSysfs {
  fs::path root;
  FakeSysfs(const std::string& tag, int packages, int cores_per_pkg, int threads, int nodes) {
    root = fs::temp_directory_path() / ("corral-sysfs-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(root);
    int ncores = packages * cores_per_pkg;
    int ncpus = ncores * threads;
    fs::path cpu = root / "devices/system/cpu";
    put_file(cpu / "online", "0-" + std::to_string(ncpus - 1));
    std::vector<std::vector<int>> node_cpus(static_cast<std::size_t>(nodes));
    for (int id = 0; id < ncpus; ++id) {
      int core = id % ncores, pkg = core / cores_per_pkg;
      std::vector<int> sib;
      for (int t = 0; t < threads; ++t) sib.push_back(core + t * ncores);
      fs::path d = cpu / ("cpu" + std::to_string(id));
      put_file(d / "topology/core_id", std::to_string(core % cores_per_pkg));
      put_file(d / "topology/physical_package_id", std::to_string(pkg));
      put_file(d / "topology/thread_siblings_list", format_cpu_list(sib));
      put_file(d / "cache/index0/level", "1");
      put_file(d / "cache/index0/type", "Data");
      put_file(d / "cache/index0/shared_cpu_list", format_cpu_list(sib));
      put_file(d / "cache/index1/level", "3");
      put_file(d / "cache/index1/type", "Unified");
      std::vector<int> pkg_cpus;
      for (int c = 0; c < ncpus; ++c)
        if ((c % ncores) / cores_per_pkg == pkg) pkg_cpus.push_back(c);
      put_file(d / "cache/index1/shared_cpu_list", format_cpu_list(pkg_cpus));
      node_cpus[static_cast<std::size_t>(core * nodes / ncores)].push_back(id);
    }
    for (int n = 0; n < nodes; ++n)
      put_file(root / ("devices/system/node/node" + std::to_string(n)) / "cpulist",
          format_cpu_list(node_cpus[static_cast<std::size_t>(n)]));
  }
  ~FakeSysfs() { fs::remove_all(root); }
};

}  // namespace

TEST(Topology, FakeSmtTwoNodes) {
  FakeSysfs f("smt", 1, 4, 2, 2);  // 8 CPUs, 4 cores x 2 threads, nodes {0,1,4,5} {2,3,6,7}
  auto t = CpuTopology::read(f.root.string());
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->cpus.size(), 8u);
  EXPECT_EQ(t->cores.size(), 4u);
  EXPECT_TRUE(t->smt());
  EXPECT_EQ(t->packages, std::vector<int>{0});
  ASSERT_EQ(t->nodes.size(), 2u);
  EXPECT_EQ(t->nodes[0].cpus, (std::vector<int>{0, 1, 4, 5}));
  EXPECT_EQ(t->nodes[1].cpus, (std::vector<int>{2, 3, 6, 7}));
  EXPECT_EQ(t->cores[0].cpus, (std::vector<int>{0, 4}));
  EXPECT_EQ(t->find(5)->siblings, (std::vector<int>{1, 5}));
  EXPECT_EQ(t->find(6)->node, 1);
  // L1d per core (4 distinct) + one L3 for the package.
  EXPECT_EQ(t->caches.size(), 5u);
  EXPECT_EQ(t->caches.back().level, 3);
  EXPECT_EQ(t->caches.back().cpus.size(), 8u);
}

TEST(Placement, SpreadAlternatesNodesThenUsesSiblings) {
  FakeSysfs f("spread", 1, 4, 2, 2);
  auto t = CpuTopology::read(f.root.string());
  ASSERT_TRUE(t.ok());
  // Cores in node order: node0 {core0: 0,4  core1: 1,5}, node1 {core2: 2,6  core3: 3,7}.
  // Round-robin over nodes: core0, core2, core1, core3; first threads, then siblings.
  auto p = place(*t, {}, 8, PinMode::Spread);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (std::vector<int>{0, 2, 1, 3, 4, 6, 5, 7}));
  // Four threads: one per physical core, none sharing a core.
  EXPECT_EQ(*place(*t, {}, 4, PinMode::Spread), (std::vector<int>{0, 2, 1, 3}));
  // More threads than CPUs wrap around.
  EXPECT_EQ(place(*t, {}, 10, PinMode::Spread)->at(8), 0);
}

TEST(Placement, CompactFillsSiblingsFirst) {
  FakeSysfs f("compact", 1, 4, 2, 2);
  auto t = CpuTopology::read(f.root.string());
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*place(*t, {}, 4, PinMode::Compact), (std::vector<int>{0, 4, 1, 5}));
  EXPECT_EQ(*place(*t, {}, 8, PinMode::Compact), (std::vector<int>{0, 4, 1, 5, 2, 6, 3, 7}));
}

TEST(Placement, AllowedSetRestrictsAndNoneKeepsTheMask) {
  FakeSysfs f("allowed", 1, 4, 2, 2);
  auto t = CpuTopology::read(f.root.string());
  ASSERT_TRUE(t.ok());
  // Only node 1's CPUs: spread uses cores 2 and 3 before their siblings.
  EXPECT_EQ(*place(*t, {2, 3, 6, 7}, 4, PinMode::Spread), (std::vector<int>{2, 3, 6, 7}));
  EXPECT_EQ(*place(*t, {2, 3, 6, 7}, 4, PinMode::Compact), (std::vector<int>{2, 6, 3, 7}));
  auto none = make_placement(*t, {1, 2}, PinMode::None);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->order.empty());
  EXPECT_EQ(none->allowed, (std::vector<int>{1, 2}));
  EXPECT_TRUE(place(*t, {1, 2}, 3, PinMode::None)->empty());
  auto bad = place(*t, {42}, 1, PinMode::Spread);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("42"), std::string::npos);
}

TEST(Placement, SpreadAlternatesPackagesWithoutNuma) {
  FakeSysfs f("pkg", 2, 2, 1, 1);  // 2 packages x 2 cores, no SMT: pkg0 {0,1} pkg1 {2,3}
  auto t = CpuTopology::read(f.root.string());
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->smt());
  EXPECT_EQ(t->packages, (std::vector<int>{0, 1}));
  EXPECT_EQ(*place(*t, {}, 4, PinMode::Spread), (std::vector<int>{0, 2, 1, 3}));
  EXPECT_EQ(*place(*t, {}, 4, PinMode::Compact), (std::vector<int>{0, 1, 2, 3}));
}

TEST(Topology, MissingFileIsNamed) {
  FakeSysfs f("broken", 1, 2, 1, 1);
  fs::remove(f.root / "devices/system/cpu/cpu1/topology/core_id");
  auto t = CpuTopology::read(f.root.string());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("cpu1/topology/core_id"), std::string::npos) << t.error().message;
}

TEST(Topology, RealMachine) {
  auto t = CpuTopology::read();
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(static_cast<long>(t->cpus.size()), ::sysconf(_SC_NPROCESSORS_ONLN));
  std::size_t in_cores = 0;
  for (const auto& c : t->cores) in_cores += c.cpus.size();
  EXPECT_EQ(in_cores, t->cpus.size());
  ASSERT_FALSE(t->nodes.empty());
  // Spread with as many threads as cores puts each thread on its own physical core.
  auto p = place(*t, {}, static_cast<unsigned>(t->cores.size()), PinMode::Spread);
  ASSERT_TRUE(p.ok());
  std::vector<int> cores;
  for (int cpu : *p) cores.push_back(t->find(cpu)->core);
  std::sort(cores.begin(), cores.end());
  EXPECT_EQ(std::unique(cores.begin(), cores.end()), cores.end());
  // Compact over all CPUs visits each online CPU exactly once.
  auto c = place(*t, {}, static_cast<unsigned>(t->cpus.size()), PinMode::Compact);
  ASSERT_TRUE(c.ok());
  std::sort(c->begin(), c->end());
  EXPECT_EQ(*c, t->online());
}

TEST(CpuList, ParseAndFormat) {
  EXPECT_EQ(*parse_cpu_list("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_FALSE(parse_cpu_list("3-1").ok());
  EXPECT_FALSE(parse_cpu_list("a").ok());
  EXPECT_FALSE(parse_cpu_list("1,,2").ok());
  EXPECT_EQ(format_cpu_list({5, 0, 1, 2, 7, 8}), "0-2,5,7-8");
}
