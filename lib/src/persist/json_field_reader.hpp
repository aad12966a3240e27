// SPDX-License-Identifier: Apache-2.0
// Typed field access to a parsed JSON document without exceptions, for the
// state file and the re-exec handover: the first problem is kept, with the
// path of the field ("services[3].pid: expected an integer"), and every later
// call does nothing.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace corral::persist {

class JsonFieldReader {
 public:
  using json = nlohmann::json;

  const json* field(const json& obj, const char* key, const std::string& where) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      fail(where + key + ": missing");
      return nullptr;
    }
    return &*it;
  }
  template <typename T>
  void integer(const json& obj, const char* key, const std::string& where, T& out) {
    const json* v = field(obj, key, where);
    if (!v) return;
    if (!v->is_number_integer()) return fail(where + key + ": expected an integer");
    if constexpr (std::is_unsigned_v<T>) {
      if (v->is_number_unsigned()) out = static_cast<T>(v->get<std::uint64_t>());
      else if (v->get<std::int64_t>() >= 0) out = static_cast<T>(v->get<std::int64_t>());
      else fail(where + key + ": expected a non-negative integer");
    } else {
      out = static_cast<T>(v->get<std::int64_t>());
    }
  }
  void string(const json& obj, const char* key, const std::string& where, std::string& out) {
    const json* v = field(obj, key, where);
    if (!v) return;
    if (!v->is_string()) return fail(where + key + ": expected a string");
    out = v->get<std::string>();
  }
  void boolean(const json& obj, const char* key, const std::string& where, bool& out) {
    const json* v = field(obj, key, where);
    if (!v) return;
    if (!v->is_boolean()) return fail(where + key + ": expected true or false");
    out = v->get<bool>();
  }
  void strings(const json& obj, const char* key, const std::string& where, std::vector<std::string>& out) {
    const json* v = field(obj, key, where);
    if (!v) return;
    if (!v->is_array()) return fail(where + key + ": expected an array of strings");
    for (const auto& s : *v) {
      if (!s.is_string()) return fail(where + key + ": expected an array of strings");
      out.push_back(s.get<std::string>());
    }
  }
  const json* array(const json& obj, const char* key, const std::string& where) {
    const json* v = field(obj, key, where);
    if (v && !v->is_array()) {
      fail(where + key + ": expected an array");
      return nullptr;
    }
    return v;
  }
  void fail(std::string msg) {
    if (err_.empty()) err_ = std::move(msg);
  }
  bool ok() const { return err_.empty(); }
  const std::string& error() const { return err_; }

 private:
  std::string err_;
};

}  // namespace corral::persist
