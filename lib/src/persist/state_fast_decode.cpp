// SPDX-License-Identifier: Apache-2.0
#include "state_fast_decode.hpp"

#include <charconv>
#include <limits>
#include <type_traits>

namespace corral::persist::detail {

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}

  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    ws();
    return i_ < t_.size() && t_[i_] == c;
  }
  bool at_end() {
    ws();
    return i_ == t_.size();
  }
  // A string of printable ASCII without escapes (anything else: give up).
  bool string(std::string_view& out) {
    if (!eat('"')) return false;
    const std::size_t start = i_;
    for (; i_ < t_.size(); ++i_) {
      const auto c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        out = t_.substr(start, i_ - start);
        ++i_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;
    }
    return false;
  }
  bool string(std::string& out) {
    std::string_view v;
    if (!string(v)) return false;
    out.assign(v);
    return true;
  }
  // An integer as JSON writes it (no leading zeros, no fraction or exponent)
  // that fits T (the full reader's cast for signed fields; unsigned: >= 0).
  template <typename T>
  bool integer(T& out) {
    ws();
    const std::size_t start = i_;
    if (i_ < t_.size() && t_[i_] == '-') ++i_;
    const std::size_t digits = i_;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
    if (i_ == digits || (t_[digits] == '0' && i_ - digits > 1)) return false;
    if (i_ < t_.size() && (t_[i_] == '.' || t_[i_] == 'e' || t_[i_] == 'E')) return false;
    using Wide = std::conditional_t<std::is_unsigned_v<T>, std::uint64_t, std::int64_t>;
    Wide v{};
    auto [end, ec] = std::from_chars(t_.data() + start, t_.data() + i_, v);
    if (ec != std::errc() || end != t_.data() + i_) return false;
    out = static_cast<T>(v);
    return true;
  }
  bool boolean(bool& out) {
    ws();
    if (t_.substr(i_, 4) == "true") {
      i_ += 4;
      out = true;
      return true;
    }
    if (t_.substr(i_, 5) == "false") {
      i_ += 5;
      out = false;
      return true;
    }
    return false;
  }
  // {"key": value, ...}: each_field(key) reads the value; false gives up.
  template <typename F>
  bool object(F&& each_field) {
    if (!eat('{')) return false;
    if (eat('}')) return true;
    do {
      std::string_view key;
      if (!string(key) || !eat(':') || !each_field(key)) return false;
    } while (eat(','));
    return eat('}');
  }
  template <typename F>
  bool array(F&& each_item) {
    if (!eat('[')) return false;
    if (eat(']')) return true;
    do {
      if (!each_item()) return false;
    } while (eat(','));
    return eat(']');
  }

 private:
  std::string_view t_;
  std::size_t i_ = 0;
};

// Each key once, all of them there: `seen` has a bit per key of `keys`.
template <std::size_t N>
int key_index(std::string_view key, const std::string_view (&keys)[N], unsigned& seen) {
  for (std::size_t k = 0; k < N; ++k)
    if (keys[k] == key) {
      if (seen & (1u << k)) return -1;
      seen |= 1u << k;
      return static_cast<int>(k);
    }
  return -1;
}

bool read_exit(Scanner& sc, ExitEntry& e) {
  static constexpr std::string_view kKeys[] = {"time_ms", "code", "signal", "core", "launch_failed", "description",
                                               "run_ms"};
  unsigned seen = 0;
  bool ok = sc.object([&](std::string_view key) {
    switch (key_index(key, kKeys, seen)) {
      case 0: return sc.integer(e.wall_time_ms);
      case 1: return sc.integer(e.code);
      case 2: return sc.integer(e.signal);
      case 3: return sc.boolean(e.core_dumped);
      case 4: return sc.boolean(e.launch_failed);
      case 5: return sc.string(e.description);
      case 6: return sc.integer(e.run_time_ms);
      default: return false;
    }
  });
  return ok && seen == (1u << std::size(kKeys)) - 1;
}

bool read_record(Scanner& sc, ServiceRecord& r) {
  static constexpr std::string_view kKeys[] = {"name",     "intent",   "state",            "pid",
                                               "start_time", "pgid",   "cgroup",           "restarts",
                                               "failures", "history",  "recent_starts_ms", "config_hash",
                                               "transient"};
  unsigned seen = 0;
  bool ok = sc.object([&](std::string_view key) {
    switch (key_index(key, kKeys, seen)) {
      case 0: return sc.string(r.name) && !r.name.empty();
      case 1: {
        std::string_view v;
        auto i = sc.string(v) ? parse_intent(v) : std::nullopt;
        if (i) r.intent = *i;
        return i.has_value();
      }
      case 2: return sc.string(r.state);
      case 3: return sc.integer(r.pid) && r.pid >= 0;
      case 4: return sc.integer(r.start_time);
      case 5: return sc.integer(r.pgid);
      case 6: return sc.string(r.cgroup);
      case 7: return sc.integer(r.restarts);
      case 8: return sc.integer(r.failures);
      case 9: return sc.array([&] { return read_exit(sc, r.history.emplace_back()); });
      case 10: return sc.array([&] { return sc.integer(r.recent_starts_ms.emplace_back()); });
      case 11: return sc.string(r.config_hash);
      case 12: return sc.boolean(r.transient);
      default: return false;
    }
  });
  return ok && seen == (1u << std::size(kKeys)) - 1;
}

}  // namespace

std::optional<DaemonState> decode_fast(std::string_view text) {
  static constexpr std::string_view kKeys[] = {"format", "written_ms", "daemon_pid", "boot_id_hash", "services"};
  Scanner sc(text);
  DaemonState st;
  unsigned seen = 0;
  bool ok = sc.object([&](std::string_view key) {
    switch (key_index(key, kKeys, seen)) {
      case 0: return sc.integer(st.format) && st.format == kFormat;
      case 1: return sc.integer(st.written_ms);
      case 2: return sc.integer(st.daemon_pid);
      case 3: return sc.integer(st.boot_id_hash);
      case 4: return sc.array([&] { return read_record(sc, st.services.emplace_back()); });
      default: return false;
    }
  });
  if (!ok || seen != (1u << std::size(kKeys)) - 1 || !sc.at_end()) return std::nullopt;
  return st;
}

}  // namespace corral::persist::detail
