// SPDX-License-Identifier: Apache-2.0
// What each fuzz target does with one input, shared by the libFuzzer entry
// points (tests/fuzz/fuzz_*.cpp) and the unit test that replays the saved
// regression inputs (tests/unit/fuzz_regressions_test.cpp), so a fixed finding
// stays fixed in the ordinary build too.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "corral/config/config.hpp"
#include "corral/proc/parsers.hpp"
#include "corral/protocol/protocol.hpp"
#include "corral/waits/proc_locks.hpp"

namespace corral::fuzz {

// The config input is a main file and conf.d files, split at each line that
// is exactly "#--conf.d--" (the dictionary has it, so the fuzzer finds it).
inline constexpr std::string_view kConfDSplit = "\n#--conf.d--\n";

// A folder of this process's own, on tmpfs when there is one, emptied per input.
inline const std::string& fuzz_dir() {
  static const std::string dir = [] {
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string d = base + "/corral-fuzz-" + std::to_string(getpid());
    std::filesystem::create_directories(d + "/conf.d");
    return d;
  }();
  // Registered after `dir` is built, so it runs before `dir` is destroyed
  // (exit handlers and static destructors run in reverse order of registration).
  static const int cleanup = std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(fuzz_dir(), ec);
  });
  (void)cleanup;
  return dir;
}

inline void write_whole(const std::string& path, std::string_view text) {
  if (std::FILE* f = std::fopen(path.c_str(), "w")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
}

inline void run_config_input(std::string_view in) {
  const std::string& dir = fuzz_dir();
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(dir + "/conf.d", ec)) std::filesystem::remove(e.path(), ec);
  std::size_t cut = in.find(kConfDSplit);
  write_whole(dir + "/corral.toml", in.substr(0, cut));
  for (int n = 0; cut != std::string_view::npos && n < 8; ++n) {
    in.remove_prefix(cut + kConfDSplit.size());
    cut = in.find(kConfDSplit);
    write_whole(dir + "/conf.d/" + std::to_string(n) + ".toml", in.substr(0, cut));
  }
  config::ConfigLoad l = config::load_config_collect(dir + "/corral.toml");
  for (const auto& e : l.errors)
    if (e.message.empty()) std::abort();  // every error says something
  if (l.ok()) (void)config::start_order(l.config);
}

inline void run_request_input(std::string_view in) {
  auto r = protocol::decode_request(in);
  if (!r) return;
  // What decodes must survive a round trip unchanged.
  std::string line = protocol::encode(*r);
  line.pop_back();
  auto again = protocol::decode_request(line);
  if (!again || again->command != r->command || again->names != r->names || again->argv != r->argv ||
      again->name != r->name || again->signal != r->signal)
    std::abort();
}

inline void run_response_input(std::string_view in) {
  auto r = protocol::decode_response(in);
  if (!r) return;
  (void)protocol::encode(*r);
  for (const auto& j : r->data.is_array() ? r->data : nlohmann::json::array()) (void)protocol::status_from_json(j);
}

inline void run_log_chunk_input(std::string_view in) { (void)protocol::decode_log_chunk(in); }

// The first byte picks the parser: /proc/PID/stat, status, schedstat, /proc/locks, fdinfo.
inline void run_proc_input(std::string_view in) {
  if (in.empty()) return;
  char which = in.front();
  in.remove_prefix(1);
  switch (static_cast<unsigned char>(which) % 5) {
    case 0: (void)proc::parse_stat(in); break;
    case 1: (void)proc::parse_status(in); break;
    case 2: (void)proc::parse_schedstat(in); break;
    case 3: (void)waits::parse_proc_locks(in); break;
    default: (void)waits::parse_fdinfo_locks(in); break;
  }
}

}  // namespace corral::fuzz
