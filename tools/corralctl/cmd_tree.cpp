// SPDX-License-Identifier: Apache-2.0
// corralctl tree [PID]: the process tree (like pstree -p), each process with its
// seven-state name. --json: nested objects with a "children" array.
#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "corral/proc/reader.hpp"
#include "exit_codes.hpp"
#include "inspect.hpp"
#include "term_width.hpp"
#include "text_out.hpp"

namespace corral::ctl {
namespace {

struct TreeArgs {
  pid_t pid = 0;  // 0 = every root
};

struct Forest {
  std::vector<Pcb> pcbs;
  std::unordered_map<pid_t, std::size_t> index;                // pid -> position in pcbs
  std::unordered_map<pid_t, std::vector<std::size_t>> children;  // ppid -> positions, by pid
  std::vector<std::size_t> roots;                              // parent not in the scan
};

Forest build(std::vector<Pcb> pcbs) {
  Forest f;
  f.pcbs = std::move(pcbs);
  for (std::size_t i = 0; i < f.pcbs.size(); ++i) f.index.emplace(f.pcbs[i].id.pid, i);
  for (std::size_t i = 0; i < f.pcbs.size(); ++i) {
    const Pcb& p = f.pcbs[i];
    if (p.id.ppid != p.id.pid && f.index.count(p.id.ppid))
      f.children[p.id.ppid].push_back(i);
    else
      f.roots.push_back(i);
  }
  return f;  // read_all returns pids in ascending order, so children stay sorted
}

std::string label(const Pcb& p) {
  std::string s = p.id.comm + "(" + std::to_string(p.id.pid) + ") " + std::string(to_string(p.control.state));
  if (p.control.kernel_state == 'R' && !p.control.state_sampled) s += '?';
  return s;
}

void print_node(const Forest& f, std::size_t i, const std::string& prefix, bool last, bool top, std::size_t width,
                std::string& out, int depth) {
  std::string line = prefix;
  if (!top) line += last ? "└─" : "├─";
  line += label(f.pcbs[i]);
  truncate_display(line, width);
  out += line;
  out += '\n';
  auto it = f.children.find(f.pcbs[i].id.pid);
  if (it == f.children.end() || depth > 1000) return;
  std::string child_prefix = prefix;
  if (!top) child_prefix += last ? "  " : "│ ";
  const auto& kids = it->second;
  for (std::size_t k = 0; k < kids.size(); ++k)
    print_node(f, kids[k], child_prefix, k + 1 == kids.size(), false, width, out, depth + 1);
}

nlohmann::json node_json(const Forest& f, std::size_t i, int depth) {
  const Pcb& p = f.pcbs[i];
  nlohmann::json j = {
      {"pid", p.id.pid},
      {"ppid", p.id.ppid},
      {"comm", p.id.comm},
      {"user", p.id.user},
      {"state", std::string(to_string(p.control.state))},
      {"kernel_state", std::string(1, p.control.kernel_state)},
  };
  nlohmann::json kids = nlohmann::json::array();
  auto it = f.children.find(p.id.pid);
  if (it != f.children.end() && depth < 1000)
    for (std::size_t k : it->second) kids.push_back(node_json(f, k, depth + 1));
  j["children"] = std::move(kids);
  return j;
}

int run_tree(const TreeArgs& args, const Context& ctx) {
  proc::ReadOptions opts;
  opts.status = false;
  opts.cmdline = false;
  opts.exe = false;
  opts.fds = false;
  opts.cgroups = false;
  opts.schedstat = false;
  opts.syscall = false;
  opts.sample_running = true;
  auto all = proc::read_all(opts);
  if (!all) {
    std::fprintf(stderr, "corralctl: %s\n", all.error().message.c_str());
    return kExitFailed;
  }
  Forest f = build(std::move(*all));
  std::vector<std::size_t> tops;
  if (args.pid != 0) {
    auto it = f.index.find(args.pid);
    if (it == f.index.end()) {
      std::fprintf(stderr, "corralctl: no process with pid %d\n", static_cast<int>(args.pid));
      return kExitFailed;
    }
    tops.push_back(it->second);
  } else {
    tops = f.roots;
  }

  if (ctx.json) {
    nlohmann::json j;
    if (args.pid != 0) {
      j = node_json(f, tops[0], 0);
    } else {
      j = nlohmann::json::array();
      for (std::size_t t : tops) j.push_back(node_json(f, t, 0));
    }
    std::string s = j.dump(2);
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), stdout);
    return kExitOk;
  }
  std::string out;
  std::size_t width = output_width();
  for (std::size_t t : tops) print_node(f, t, "", true, true, width, out, 0);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void register_tree_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<TreeArgs>();
  CLI::App* tree = app.add_subcommand("tree", "print the process tree with each process's state (like pstree -p)");
  tree->add_option("pid", args->pid, "root of the tree (default: every process without a parent in /proc)");
  tree->callback([args, &ctx] { ctx.exit_code = run_tree(*args, ctx); });
}

}  // namespace corral::ctl
