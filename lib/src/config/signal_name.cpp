// Signal names for stop_signal. A fixed table rather than sigabbrev_np() so the
// accepted spellings do not depend on the C library version.
#include <csignal>
#include <string>

#include "corral/config/units.hpp"

namespace corral::config {
namespace {

struct Sig {
  std::string_view name;
  int number;
};
constexpr Sig kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"BUS", SIGBUS},       {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},     {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},       {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 3) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Result<int> parse_signal(std::string_view text) {
  std::string s;
  for (char c : text) s += upper(c);
  auto bad = [&] {
    return Error::logic(
        "unknown signal \"" + std::string(text) + "\" (expected a name like \"TERM\" or \"SIGINT\", or a number)",
        EINVAL);
  };
  if (all_digits(s)) {
    int n = std::stoi(s);
    if (n < 1 || n > SIGRTMAX) return bad();
    return n;
  }
  std::string_view name = s;
  if (name.substr(0, 3) == "SIG") name.remove_prefix(3);
  for (const Sig& sig : kSignals)
    if (sig.name == name) return sig.number;
  // RTMIN, RTMIN+N, RTMAX, RTMAX-N: the values depend on the C library at run time.
  if (name.substr(0, 5) == "RTMIN" || name.substr(0, 5) == "RTMAX") {
    bool min = name[4] == 'N';
    std::string_view rest = name.substr(5);
    int offset = 0;
    if (!rest.empty()) {
      if (rest[0] != (min ? '+' : '-') || !all_digits(rest.substr(1))) return bad();
      offset = std::stoi(std::string(rest.substr(1)));
    }
    int n = min ? SIGRTMIN + offset : SIGRTMAX - offset;
    if (n < SIGRTMIN || n > SIGRTMAX) return bad();
    return n;
  }
  return bad();
}

std::string signal_name(int sig) {
  for (const Sig& s : kSignals)
    if (s.number == sig) return std::string(s.name);
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "RTMIN+" + std::to_string(sig - SIGRTMIN);
  return std::to_string(sig);
}

}  // namespace corral::config
