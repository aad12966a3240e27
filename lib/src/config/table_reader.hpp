// SPDX-License-Identifier: Apache-2.0
// Internal to the config loader: typed access to one TOML table that records
// every problem (with file:line:col) instead of stopping at the first one.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corral/config/config.hpp"

namespace corral::config::detail {

// Collects errors for a whole load.
class ErrorSink {
 public:
  explicit ErrorSink(std::vector<ConfigError>& errors) : errors_(errors) {}
  void at(const toml::source_region& where, std::string message);
  void in_file(const std::string& file, std::string message);
  size_t count() const { return errors_.size(); }

 private:
  std::vector<ConfigError>& errors_;
};

// "a string", "an integer", ... for type errors.
std::string_view type_phrase(const toml::node& node);
// The known key closest to `word`, if close enough to be a likely typo.
std::optional<std::string_view> closest_key(std::string_view word, const std::vector<std::string_view>& known);
// "FILE:LINE:COL" of a place, for messages that point at a second place.
std::string place_text(const toml::source_region& r);
// The directory of the file a node came from (for resolving relative paths).
std::string directory_of(const toml::node& node);
// `value` as an absolute path: as is when it starts with '/', else joined to
// the directory of the file the node came from, normalised.
std::string resolve_path(const toml::node& node, const std::string& value);

class TableReader {
 public:
  // Reports every key of `table` not in `known` (with a did-you-mean hint).
  // `path` names the table in messages: "service.web".
  TableReader(ErrorSink& sink, const toml::table& table, std::string path, std::vector<std::string_view> known);

  const std::string& path() const { return path_; }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  // "service.web.restart: MESSAGE" at the node's place.
  void error(const toml::node& at, std::string_view key, std::string_view message) const;
  void type_error(const toml::node& at, std::string_view key, std::string_view expected) const;
  // A NUL inside a TOML string ("\u0000") would silently cut a name, path, argument or
  // variable short at exec: true (and an error reported) when n is a string holding one.
  bool has_nul(const toml::node& n, std::string_view key) const;

  std::optional<std::string> string(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  std::optional<Duration> duration(std::string_view key, bool positive = false) const;
  std::optional<std::uint64_t> size(std::string_view key) const;
  // A string or an integer, as text (user = "www-data" or user = 33).
  std::optional<std::string> name_or_id(std::string_view key) const;
  std::optional<std::vector<int>> cpu_list(std::string_view key) const;
  const toml::table* table(std::string_view key) const;

  template <typename E>
  std::optional<E> choice(std::string_view key, std::initializer_list<std::pair<std::string_view, E>> options) const {
    auto s = string(key);
    if (!s) return std::nullopt;
    for (auto& [name, value] : options)
      if (name == *s) return value;
    std::string expected;
    size_t i = 0;
    for (auto& [name, value] : options) {
      (void)value;
      if (i > 0) expected += (i + 1 == options.size()) ? " or " : ", ";
      expected += '"';
      expected += name;
      expected += '"';
      ++i;
    }
    error(*node(key), key, "expected " + expected + ", got \"" + *s + "\"");
    return std::nullopt;
  }

 private:
  ErrorSink& sink_;
  const toml::table& table_;
  std::string path_;
};

}  // namespace corral::config::detail
