// SPDX-License-Identifier: Apache-2.0
// The machine's CPU topology from sysfs: online CPUs, physical cores, SMT siblings,
// packages, NUMA nodes and shared caches. The sysfs root is a parameter so tests can
// read a tree they build (8 CPUs, 4 cores x 2 threads, 2 nodes, ...).
#pragma once

#include <string>
#include <vector>

#include "corral/base/result.hpp"

namespace corral::sched {

struct Cpu {
  int id = 0;
  int core_id = 0;        // topology/core_id (unique only within its package)
  int package = 0;        // topology/physical_package_id
  int node = 0;           // NUMA node whose cpulist holds it (0 without NUMA info)
  int core = 0;           // index into CpuTopology::cores (the physical core)
  std::vector<int> siblings;  // thread_siblings_list, itself included
};

struct Core {
  int package = 0;
  int core_id = 0;
  int node = 0;
  std::vector<int> cpus;  // its SMT threads, ascending
};

struct Cache {
  int level = 0;
  std::string type;       // "Data", "Instruction", "Unified"
  std::vector<int> cpus;  // shared_cpu_list
};

struct Node {
  int id = 0;
  std::vector<int> cpus;  // online CPUs of this node
};

struct CpuTopology {
  std::vector<Cpu> cpus;      // online CPUs, ascending id
  std::vector<Core> cores;    // ordered by their lowest CPU
  std::vector<int> packages;  // distinct package ids, ascending
  std::vector<Node> nodes;    // NUMA nodes with online CPUs, ascending id
  std::vector<Cache> caches;  // each distinct (level, type, cpus) once

  // Reads <sysfs_root>/devices/system/{cpu,node}. Errors name the file.
  static Result<CpuTopology> read(const std::string& sysfs_root = "/sys");

  const Cpu* find(int cpu) const;
  std::vector<int> online() const;
  bool smt() const;  // some core has more than one thread
};

}  // namespace corral::sched
