// SPDX-License-Identifier: Apache-2.0
// The loader: reads the main file and conf.d/*.toml, merges their tables,
// validates references between services and groups, expands instances.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>
#include <tuple>

#include "corral/base/file_read.hpp"
#include "corral/config/config_files.hpp"
#include "read_tables.hpp"
#include "toml_byte_check.hpp"

namespace corral::config {
namespace {

using detail::ErrorSink;
using detail::ServiceTemplate;
using detail::place_text;

// Where a service or group was first defined, to name both places on a duplicate.
struct Definition {
  const toml::table* table;
  toml::source_region where;
};

// The conf.d/*.toml files next to `main` (config_files.hpp); an unreadable
// folder is an error.
std::vector<std::string> conf_d_files(const std::string& main, ErrorSink& sink) {
  ConfDListing conf_d = list_conf_d(main);
  if (conf_d.error != 0) sink.in_file(conf_d.folder, std::string("cannot read folder: ") + std::strerror(conf_d.error));
  return std::move(conf_d.paths);
}

// Parses one file; on a syntax error reports it and returns null.
std::unique_ptr<toml::table> parse_file(const std::string& path, ErrorSink& sink, int* read_errno) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) {
    if (read_errno) *read_errno = text.error().code;
    sink.in_file(path, std::string("cannot read: ") + std::strerror(text.error().code));
    return nullptr;
  }
  auto place = [&](const detail::TomlBytePlace& p) {
    toml::source_region where;
    where.begin = where.end = toml::source_position{p.line, p.column};
    where.path = std::make_shared<const std::string>(path);
    return where;
  };
  // Before toml++ sees the bytes: Debian 12's toml++ has bugs a file can reach.
  detail::TomlByteScan scan = detail::scan_toml_bytes(*text);
  if (scan.refuse) {
    sink.at(place(*scan.refuse), "TOML syntax error: " + scan.refuse->message);
    return nullptr;
  }
  try {
    return std::make_unique<toml::table>(toml::parse(*text, std::string(path)));
  } catch (const toml::parse_error& e) {
    toml::source_region where = e.source();
    if (!where.path) where.path = std::make_shared<const std::string>(path);
    // An unclosed string makes toml++ complain at the end of its line: name the opening quote instead.
    if (const auto& u = scan.unterminated;
        u && (u->line < where.begin.line || (u->line == where.begin.line && u->column <= where.begin.column))) {
      sink.at(place(*u), "TOML syntax error: " + u->message);
      return nullptr;
    }
    sink.at(where, "TOML syntax error: " + std::string(e.description()));
    return nullptr;
  }
}

// Each [service.NAME] / [group.NAME] of one file into `defs`, reporting names
// defined before (in this or an earlier file).
void collect_named_tables(ErrorSink& sink, const toml::table& root, std::string_view kind,
                          std::map<std::string, Definition>& defs) {
  const toml::node* n = root.get(kind);
  if (!n) return;
  const toml::table* t = n->as_table();
  if (!t) {
    sink.at(n->source(), std::string(kind) + ": expected a table of [" + std::string(kind) + ".NAME] tables, got " +
                             std::string(detail::type_phrase(*n)));
    return;
  }
  for (auto&& [key, value] : *t) {
    std::string name(key.str());
    std::string path = std::string(kind) + "." + name;
    const toml::table* def = value.as_table();
    if (!def) {
      sink.at(value.source(), path + ": expected a table ([" + path + "]), got " +
                                  std::string(detail::type_phrase(value)));
      continue;
    }
    if (!detail::valid_unit_name(name)) {
      sink.at(key.source(), path + ": \"" + name +
                                "\" is not a valid name (use letters, digits, '_', '-' and '.'; at most 64; "
                                "not starting with '.')");
      continue;
    }
    // An inline table has its own place; a [header] table begins at its header.
    toml::source_region where = def->source().begin ? def->source() : key.source();
    auto [it, fresh] = defs.emplace(name, Definition{def, where});
    if (!fresh)
      sink.at(where, std::string(kind) + " \"" + name + "\" is defined twice: here and at " +
                         place_text(it->second.where));
  }
}

// Dependency cycles among service templates, each reported once at the `after`
// key of the first service in it (by name).
void check_cycles(ErrorSink& sink, const std::map<std::string, ServiceTemplate>& tpls) {
  // Iterative depth-first search: a config may chain 100,000 services, and a
  // recursion per `after` link would overflow the stack (issue 9, fix 1).
  enum class Mark { White, Grey, Black };
  std::map<std::string, Mark> mark;
  for (auto& [name, t] : tpls) mark[name] = Mark::White;
  struct Frame {
    const std::string* name;
    const std::vector<std::string>* after;
    std::size_t next = 0;  // the index in `after` to look at next
  };
  std::vector<Frame> stack;
  std::map<std::string, std::size_t> depth_of;  // a Grey service's index in `stack`
  std::set<std::string> reported;

  auto report = [&](std::size_t from) {
    std::vector<std::string> cycle;
    for (std::size_t i = from; i < stack.size(); ++i) cycle.push_back(*stack[i].name);
    bool seen = std::any_of(cycle.begin(), cycle.end(), [&](auto& c) { return reported.count(c) > 0; });
    if (seen) return;
    // Start the description at the smallest name so it reads the same every time.
    auto first = std::min_element(cycle.begin(), cycle.end());
    std::rotate(cycle.begin(), first, cycle.end());
    // A cycle through thousands of services is named by its ends, not listed whole.
    constexpr std::size_t kShown = 8;
    std::string text;
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      if (cycle.size() > 2 * kShown && i == kShown) {
        text += "... (" + std::to_string(cycle.size() - 2 * kShown) + " more) -> ";
        i = cycle.size() - kShown;
      }
      text += cycle[i] + " -> ";
    }
    text += cycle.front() + " (each waits for the next)";
    const ServiceTemplate& t = tpls.at(cycle.front());
    // `requires` implies `after`: a cycle may run through either key.
    const toml::node* at = t.table->get("after") ? t.table->get("after") : t.table->get("requires");
    sink.at(at->source(), "service." + cycle.front() + ".after: dependency cycle: " + text);
    reported.insert(cycle.begin(), cycle.end());
  };
  auto push = [&](const std::string& name) {
    mark[name] = Mark::Grey;
    depth_of[name] = stack.size();
    stack.push_back(Frame{&name, &tpls.at(name).config.after});
  };

  for (auto& [root, t] : tpls) {
    if (mark[root] != Mark::White) continue;
    push(root);
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next == top.after->size()) {
        mark[*top.name] = Mark::Black;
        depth_of.erase(*top.name);
        stack.pop_back();
        continue;
      }
      const std::string& dep = (*top.after)[top.next++];
      auto it = mark.find(dep);
      if (it == mark.end()) continue;  // unknown: reported separately
      if (it->second == Mark::Grey) {
        report(depth_of.at(dep));
      } else if (it->second == Mark::White) {
        push(it->first);  // the map's key: a stable address for the frame
      }
    }
  }
}

std::vector<std::string_view> keys_of(const auto& map) {
  std::vector<std::string_view> out;
  for (auto& [k, v] : map) out.push_back(k);
  return out;
}

// [queue.NAME] tables (the job queues), with "default" always there and each
// queue's group checked against the groups defined.
void read_queues(ErrorSink& sink, const std::map<std::string, Definition>& defs, Config& config) {
  config.queues[kDefaultQueue] = default_queue_config();
  std::vector<std::string_view> group_names = keys_of(config.groups);
  for (auto& [name, def] : defs) {
    QueueConfig q = detail::read_queue(sink, name, *def.table);
    if (!config.groups.count(q.group)) {
      std::string msg = "queue." + name + ".group: undefined group \"" + q.group + "\"";
      if (auto hint = detail::closest_key(q.group, group_names)) msg += " (did you mean \"" + std::string(*hint) + "\"?)";
      sink.at(def.table->get("group")->source(), std::move(msg));
    }
    config.queues[name] = std::move(q);
  }
}

// Errors in reading order: by file (as read), then line and column, so the
// output reads top to bottom whatever order the checks ran in.
void sort_errors(std::vector<ConfigError>& errors, const std::vector<std::string>& files) {
  auto rank = [&](const std::string& f) {
    auto it = std::find(files.begin(), files.end(), f);
    return static_cast<size_t>(it - files.begin());
  };
  std::stable_sort(errors.begin(), errors.end(), [&](const ConfigError& a, const ConfigError& b) {
    return std::tuple(rank(a.file), a.line, a.column) < std::tuple(rank(b.file), b.line, b.column);
  });
}

}  // namespace

ConfigLoad load_config_collect(const std::string& path) {
  ConfigLoad load;
  ErrorSink sink(load.errors);
  Config& config = load.config;
  config.daemon = default_daemon_config();

  // Keep every parsed document alive: the tables below point into them.
  std::vector<std::unique_ptr<toml::table>> docs;
  int main_errno = 0;
  if (auto doc = parse_file(path, sink, &main_errno)) docs.push_back(std::move(doc));
  config.files_read.push_back(path);
  if (main_errno == ENOENT) return load;  // no conf.d without its main file
  for (const std::string& f : conf_d_files(path, sink)) {
    if (auto doc = parse_file(f, sink, nullptr)) docs.push_back(std::move(doc));
    config.files_read.push_back(f);
  }

  std::map<std::string, toml::source_region> daemon_keys;
  std::map<std::string, Definition> group_defs, service_defs, queue_defs;
  for (const auto& doc : docs) {
    detail::TableReader top(sink, *doc, "", {"daemon", "service", "group", "queue"});
    if (const toml::table* d = top.table("daemon")) detail::read_daemon(sink, *d, config.daemon, daemon_keys);
    collect_named_tables(sink, *doc, "group", group_defs);
    collect_named_tables(sink, *doc, "service", service_defs);
    collect_named_tables(sink, *doc, "queue", queue_defs);
  }

  config.groups[kDefaultGroup].name = kDefaultGroup;
  for (auto& [name, def] : group_defs) config.groups[name] = detail::read_group(sink, name, *def.table);

  std::map<std::string, ServiceTemplate> tpls;
  for (auto& [name, def] : service_defs) tpls.emplace(name, detail::read_service(sink, name, *def.table));

  // References: groups and `after` names must exist.
  std::vector<std::string_view> group_names = keys_of(config.groups);
  std::vector<std::string_view> service_names = keys_of(tpls);
  read_queues(sink, queue_defs, config);
  for (auto& [name, t] : tpls) {
    if (!config.groups.count(t.config.group)) {
      std::string msg = "service." + name + ".group: undefined group \"" + t.config.group + "\"";
      if (auto hint = detail::closest_key(t.config.group, group_names))
        msg += " (did you mean \"" + std::string(*hint) + "\"?)";
      else
        msg += " (define it with [group." + t.config.group + "])";
      sink.at(t.table->get("group")->source(), std::move(msg));
    }
    if (const toml::array* after = t.table->get("after") ? t.table->get("after")->as_array() : nullptr) {
      for (const toml::node& e : *after) {
        auto s = e.as_string();
        if (!s || tpls.count(s->get())) continue;
        std::string msg = "service." + name + ".after: unknown service \"" + s->get() + "\"";
        if (auto hint = detail::closest_key(s->get(), service_names))
          msg += " (did you mean \"" + std::string(*hint) + "\"?)";
        sink.at(e.source(), std::move(msg));
      }
    }
  }
  detail::check_requires(sink, tpls);
  check_cycles(sink, tpls);

  // Instances: each a full ServiceConfig; log settings resolved against [daemon].
  // (Moved out of the templates, copied only per further instance: a config of
  // 1,000 services is read at every start of corrald.)
  for (auto& [name, t] : tpls) {
    ServiceConfig base = std::move(t.config);
    base.log_max_size = t.log_max_size.value_or(config.daemon.log_max_size);
    base.log_keep = t.log_keep.value_or(config.daemon.log_keep);
    for (unsigned i = 0; i < t.instances; ++i) {
      ServiceConfig s = i + 1 == t.instances ? std::move(base) : base;
      s.instance = i;
      s.name = t.instances == 1 ? name : name + "@" + std::to_string(i);
      config.services.emplace(s.name, std::move(s));
    }
  }
  sort_errors(load.errors, config.files_read);
  return load;
}

Result<Config> load_config(const std::string& path) {
  ConfigLoad load = load_config_collect(path);
  if (load.ok()) return std::move(load.config);
  std::string text;
  for (const ConfigError& e : load.errors) {
    if (!text.empty()) text += '\n';
    text += e.to_string();
  }
  bool missing = access(path.c_str(), F_OK) != 0 && errno == ENOENT;
  return Error::logic(std::move(text), missing ? ENOENT : EINVAL);
}

}  // namespace corral::config
