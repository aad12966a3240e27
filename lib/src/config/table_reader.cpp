// SPDX-License-Identifier: Apache-2.0
#include "table_reader.hpp"

#include <algorithm>
#include <filesystem>

#include "corral/base/cpu_list.hpp"

namespace corral::config::detail {

void ErrorSink::at(const toml::source_region& where, std::string message) {
  ConfigError e;
  if (where.path) e.file = *where.path;
  e.line = where.begin.line;
  e.column = where.begin.column;
  e.message = std::move(message);
  errors_.push_back(std::move(e));
}

void ErrorSink::in_file(const std::string& file, std::string message) {
  errors_.push_back(ConfigError{file, 0, 0, std::move(message)});
}

std::string_view type_phrase(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

namespace {

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// so "restrat" is one edit from "restart".
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::string_view> closest_key(std::string_view word, const std::vector<std::string_view>& known) {
  std::optional<std::string_view> best;
  size_t best_d = 0;
  for (std::string_view k : known) {
    size_t d = edit_distance(word, k);
    if (!best || d < best_d) {
      best = k;
      best_d = d;
    }
  }
  // Within a third of the word's length (at least 1, at most 3): closer is a typo,
  // farther is a different word and a suggestion would only confuse.
  size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  if (best && best_d <= limit) return best;
  return std::nullopt;
}

std::string place_text(const toml::source_region& r) {
  return (r.path ? *r.path : std::string("?")) + ":" + std::to_string(r.begin.line) + ":" +
         std::to_string(r.begin.column);
}

std::string directory_of(const toml::node& node) {
  const auto& p = node.source().path;
  if (!p) return ".";
  std::filesystem::path parent = std::filesystem::path(*p).parent_path();
  return parent.empty() ? "." : parent.string();
}

std::string resolve_path(const toml::node& node, const std::string& value) {
  std::filesystem::path p(value);
  if (p.is_absolute()) return p.lexically_normal().string();
  std::error_code ec;
  std::filesystem::path base = std::filesystem::absolute(directory_of(node), ec);
  if (ec) base = directory_of(node);
  return (base / p).lexically_normal().string();
}

TableReader::TableReader(ErrorSink& sink, const toml::table& table, std::string path,
                         std::vector<std::string_view> known)
    : sink_(sink), table_(table), path_(std::move(path)) {
  for (auto&& [key, value] : table) {
    (void)value;
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    std::string msg =
        "unknown key \"" + std::string(key.str()) + "\" " + (path_.empty() ? "at the top level" : "in " + path_);
    if (auto hint = closest_key(key.str(), known)) msg += " (did you mean \"" + std::string(*hint) + "\"?)";
    sink_.at(key.source(), std::move(msg));
  }
}

void TableReader::error(const toml::node& at, std::string_view key, std::string_view message) const {
  std::string name = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  sink_.at(at.source(), name + ": " + std::string(message));
}

void TableReader::type_error(const toml::node& at, std::string_view key, std::string_view expected) const {
  error(at, key, "expected " + std::string(expected) + ", got " + std::string(type_phrase(at)));
}

bool TableReader::has_nul(const toml::node& n, std::string_view key) const {
  auto s = n.as_string();
  if (!s || s->get().find('\0') == std::string::npos) return false;
  error(n, key, "must not contain a NUL character");
  return true;
}

std::optional<std::string> TableReader::string(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (auto s = n->as_string()) {
    if (has_nul(*n, key)) return std::nullopt;
    return s->get();
  }
  type_error(*n, key, "a string");
  return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (auto b = n->as_boolean()) return b->get();
  type_error(*n, key, "a boolean (true or false)");
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  auto i = n->as_integer();
  if (!i) {
    type_error(*n, key, "an integer");
    return std::nullopt;
  }
  std::int64_t v = i->get();
  if (v < min || v > max) {
    error(*n, key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                       std::to_string(v));
    return std::nullopt;
  }
  return v;
}

std::optional<Duration> TableReader::duration(std::string_view key, bool positive) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if ((n->is_integer() && n->as_integer()->get() < 0) ||
      (n->is_floating_point() && n->as_floating_point()->get() < 0)) {
    error(*n, key, "a duration must not be negative");
    return std::nullopt;
  }
  Result<Duration> d = Error{};
  if (auto s = n->as_string()) d = parse_duration(s->get());
  else if (auto i = n->as_integer()) d = duration_from_seconds(static_cast<double>(i->get()));
  else if (auto f = n->as_floating_point()) d = duration_from_seconds(f->get());
  else {
    type_error(*n, key, "a duration (a string like \"10s\" or a number of seconds)");
    return std::nullopt;
  }
  if (!d.ok()) {
    error(*n, key, d.error().message);
    return std::nullopt;
  }
  if (positive && d->count() == 0) {
    error(*n, key, "must be longer than 0");
    return std::nullopt;
  }
  return *d;
}

std::optional<std::uint64_t> TableReader::size(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (auto i = n->as_integer()) {
    if (i->get() < 0) {
      error(*n, key, "a size cannot be negative");
      return std::nullopt;
    }
    return static_cast<std::uint64_t>(i->get());
  }
  if (auto s = n->as_string()) {
    auto r = parse_size(s->get());
    if (!r.ok()) {
      error(*n, key, r.error().message);
      return std::nullopt;
    }
    return *r;
  }
  type_error(*n, key, "a size (a string like \"10M\" or a number of bytes)");
  return std::nullopt;
}

std::optional<std::string> TableReader::name_or_id(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return std::nullopt;
  if (auto s = n->as_string()) {
    if (has_nul(*n, key)) return std::nullopt;
    if (s->get().empty()) {
      error(*n, key, "must not be empty");
      return std::nullopt;
    }
    return s->get();
  }
  if (auto i = n->as_integer()) {
    if (i->get() < 0 || i->get() > 0xfffffffeLL) {
      error(*n, key, "expected a name or a number from 0 to 4294967294, got " + std::to_string(i->get()));
      return std::nullopt;
    }
    return std::to_string(i->get());
  }
  type_error(*n, key, "a name (string) or a number");
  return std::nullopt;
}

std::optional<std::vector<int>> TableReader::cpu_list(std::string_view key) const {
  auto s = string(key);
  if (!s) return std::nullopt;
  auto r = parse_cpu_list(*s);
  if (!r.ok()) {
    error(*node(key), key, r.error().message);
    return std::nullopt;
  }
  return std::move(*r);
}

const toml::table* TableReader::table(std::string_view key) const {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (auto t = n->as_table()) return t;
  type_error(*n, key, "a table");
  return nullptr;
}

}  // namespace corral::config::detail
