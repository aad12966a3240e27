// SPDX-License-Identifier: Apache-2.0
// corralctl syscalls [@GROUP]: corral's named system-call groups, and the calls a
// group stands for (resolved recursively). Needs no daemon: the table is in libcorral.
#include <cstdio>
#include <ctime>
#include <memory>
#include <set>
#include <vector>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "corral/seccomp/resolve.hpp"
#include "corral/seccomp/suggest.hpp"
#include "corral/seccomp/syscall_groups.hpp"
#include "exit_codes.hpp"
#include "service_client.hpp"

namespace corral::ctl {
namespace {

int list_groups(const Context& ctx) {
  nlohmann::json out = nlohmann::json::array();
  if (!ctx.json) std::printf("%-18s %5s  %s\n", "GROUP", "CALLS", "DESCRIPTION");
  for (const auto& g : seccomp::syscall_groups()) {
    auto set = seccomp::expand(g.name);
    std::size_t n = set ? set->size() : 0;
    if (ctx.json) {
      nlohmann::json members = nlohmann::json::array();
      for (auto m : g.members) members.push_back(std::string(m));
      out.push_back({{"name", std::string(g.name)},
                     {"description", std::string(g.description)},
                     {"members", members},
                     {"calls", n}});
    } else {
      std::printf("%-18s %5zu  %.*s\n", std::string(g.name).c_str(), n, static_cast<int>(g.description.size()),
                  g.description.data());
    }
  }
  if (ctx.json) std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

int list_members(const std::string& name, const Context& ctx) {
  auto set = seccomp::expand(name);
  if (!set) {
    std::fprintf(stderr, "corralctl: %s\n", set.error().message.c_str());
    return kExitUsage;
  }
  if (ctx.json) {
    std::printf("%s\n", nlohmann::json{{"name", name}, {"syscalls", *set}}.dump(2).c_str());
    return kExitOk;
  }
  for (const auto& s : *set) std::printf("%s\n", s.c_str());
  return kExitOk;
}

// syscalls learned NAME [--suggest]: asks corrald what the service did outside its filter.
int show_learned(const std::string& name, bool suggest, Context& ctx) {
  protocol::Request req;
  req.command = protocol::Command::SyscallsLearned;
  req.names = {name};
  auto resp = call(req, ctx);
  if (!resp) return ctx.exit_code;
  const auto& d = resp->data;
  std::vector<std::string> entries = d.value("syscall_filter", std::vector<std::string>{});
  std::set<std::string> names;
  for (const auto& row : d["learned"]) names.insert(row.value("syscall", ""));
  std::string line = seccomp::format_filter_line(seccomp::suggest_filter(entries, names));
  if (ctx.json) {
    nlohmann::json out = d;
    if (suggest) out["suggest"] = line;
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  if (suggest) {
    std::printf("%s\n", line.c_str());
    return kExitOk;
  }
  std::printf("%s (mode %s): %zu call(s) outside its syscall_filter\n", name.c_str(),
              d.value("syscall_filter_mode", "?").c_str(), names.size());
  std::printf("%-24s %10s  %s\n", "SYSCALL", "COUNT", "FIRST SEEN");
  for (const auto& row : d["learned"]) {
    std::time_t t = static_cast<std::time_t>(row.value("first_seen_ms", std::int64_t{0}) / 1000);
    char when[32];
    struct tm tm {};
    ::localtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    std::printf("%-24s %10llu  %s\n", row.value("syscall", "").c_str(),
                static_cast<unsigned long long>(row.value("count", std::uint64_t{0})), when);
  }
  return kExitOk;
}

}  // namespace

void register_syscalls_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto suggest = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "syscalls",
      "list corral's system-call groups, the calls a @GROUP stands for, or (learned NAME) what a service in "
      "learning mode did outside its filter");
  cmd->add_option("args", *args, "@GROUP (or a syscall name), or: learned NAME")->expected(0, 2);
  cmd->add_flag("--suggest", *suggest, "learned: print a syscall_filter line the service would have run under");
  cmd->callback([args, suggest, &ctx] {
    if (args->empty()) {
      ctx.exit_code = list_groups(ctx);
    } else if ((*args)[0] == "learned") {
      if (args->size() != 2) {
        std::fprintf(stderr, "corralctl: syscalls learned takes one service name\n");
        ctx.exit_code = kExitUsage;
        return;
      }
      ctx.exit_code = show_learned((*args)[1], *suggest, ctx);
    } else if (args->size() == 1) {
      ctx.exit_code = list_members((*args)[0], ctx);
    } else {
      std::fprintf(stderr, "corralctl: syscalls takes one @GROUP\n");
      ctx.exit_code = kExitUsage;
    }
  });
}

}  // namespace corral::ctl
