// SPDX-License-Identifier: Apache-2.0
#include "corral/base/signals.hpp"
#include "corral/base/strings.hpp"

#include <csignal>

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>

namespace corral {
namespace {

// The standard signals of Linux x86-64/arm64 (signal(7)), canonical names first.
constexpr std::array<std::pair<int, std::string_view>, 31> kSignals{{
    {SIGHUP, "SIGHUP"},       {SIGINT, "SIGINT"},       {SIGQUIT, "SIGQUIT"},   {SIGILL, "SIGILL"},
    {SIGTRAP, "SIGTRAP"},     {SIGABRT, "SIGABRT"},     {SIGBUS, "SIGBUS"},     {SIGFPE, "SIGFPE"},
    {SIGKILL, "SIGKILL"},     {SIGUSR1, "SIGUSR1"},     {SIGSEGV, "SIGSEGV"},   {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"},     {SIGALRM, "SIGALRM"},     {SIGTERM, "SIGTERM"},   {SIGSTKFLT, "SIGSTKFLT"},
    {SIGCHLD, "SIGCHLD"},     {SIGCONT, "SIGCONT"},     {SIGSTOP, "SIGSTOP"},   {SIGTSTP, "SIGTSTP"},
    {SIGTTIN, "SIGTTIN"},     {SIGTTOU, "SIGTTOU"},     {SIGURG, "SIGURG"},     {SIGXCPU, "SIGXCPU"},
    {SIGXFSZ, "SIGXFSZ"},     {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"},   {SIGWINCH, "SIGWINCH"},
    {SIGIO, "SIGIO"},         {SIGPWR, "SIGPWR"},       {SIGSYS, "SIGSYS"},
}};

constexpr std::array<std::pair<int, std::string_view>, 3> kAliases{{
    {SIGABRT, "SIGIOT"}, {SIGCHLD, "SIGCLD"}, {SIGIO, "SIGPOLL"},
}};

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "RTMIN", "RTMIN+3", "RTMAX-2" (prefix already stripped).
std::optional<int> parse_realtime(std::string_view s) {
  bool from_min;
  if (s.size() >= 5 && iequals(s.substr(0, 5), "RTMIN")) from_min = true;
  else if (s.size() >= 5 && iequals(s.substr(0, 5), "RTMAX")) from_min = false;
  else return std::nullopt;
  s.remove_prefix(5);
  int offset = 0;
  if (!s.empty()) {
    if (s[0] != (from_min ? '+' : '-')) return std::nullopt;
    auto n = parse_int(s.substr(1));
    if (!n || *n < 0) return std::nullopt;
    offset = from_min ? *n : -*n;
  }
  int signo = (from_min ? SIGRTMIN : SIGRTMAX) + offset;
  if (signo < SIGRTMIN || signo > SIGRTMAX) return std::nullopt;
  return signo;
}

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    auto n = parse_int(text);
    if (!n || *n < 1 || *n > SIGRTMAX) return std::nullopt;
    return n;
  }
  std::string_view bare = text;
  if (bare.size() > 3 && iequals(bare.substr(0, 3), "SIG")) bare.remove_prefix(3);
  for (auto& [signo, name] : kSignals)
    if (iequals(name.substr(3), bare)) return signo;
  for (auto& [signo, name] : kAliases)
    if (iequals(name.substr(3), bare)) return signo;
  return parse_realtime(bare);
}

std::string_view signal_name(int signo) {
  for (auto& [s, name] : kSignals)
    if (s == signo) return name;
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
    // SIGRTMIN is a runtime value (glibc reserves the first few), so the names are
    // built once, on first use; function-local static init is thread-safe.
    static const auto names = [] {
      std::array<std::string, 64> out{};
      for (int s = SIGRTMIN; s <= SIGRTMAX && s - SIGRTMIN < 64; ++s) {
        int from_min = s - SIGRTMIN, from_max = SIGRTMAX - s;
        out[static_cast<std::size_t>(from_min)] =
            from_max == 0 ? std::string("SIGRTMAX")
            : from_min <= from_max ? "SIGRTMIN" + (from_min ? "+" + std::to_string(from_min) : std::string())
                                   : "SIGRTMAX-" + std::to_string(from_max);
      }
      return out;
    }();
    auto i = static_cast<std::size_t>(signo - SIGRTMIN);
    if (i < names.size()) return names[i];
  }
  return {};
}

}  // namespace corral
