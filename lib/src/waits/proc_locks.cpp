// SPDX-License-Identifier: Apache-2.0
// /proc/locks parsing and the read/write conflict rules.
#include "corral/waits/proc_locks.hpp"

#include <charconv>
#include <cstdint>

namespace corral::waits {
namespace {

std::string_view next_token(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  std::size_t j = i;
  while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
  std::string_view tok = s.substr(i, j - i);
  s.remove_prefix(j);
  return tok;
}

template <typename T>
bool parse_num(std::string_view tok, T& out, int base = 10) {
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), out, base);
  return ec == std::errc() && p == tok.data() + tok.size();
}

Error bad(std::string_view line, const char* field) {
  return Error::logic("lock line '" + std::string(line) + "': bad " + field, EINVAL);
}

}  // namespace

const char* to_string(LockClass c) {
  switch (c) {
    case LockClass::kFlock: return "FLOCK";
    case LockClass::kPosix: return "POSIX";
    case LockClass::kOfd: return "OFDLCK";
    case LockClass::kLease: return "LEASE";
    case LockClass::kOther: return "OTHER";
  }
  return "?";
}

Result<LockLine> parse_lock_line(std::string_view line) {
  LockLine l;
  std::string_view s = line;
  std::string_view tok = next_token(s);
  if (tok.empty() || tok.back() != ':' || !parse_num(tok.substr(0, tok.size() - 1), l.id)) return bad(line, "id");
  tok = next_token(s);
  if (tok == "->") {
    l.blocked = true;
    tok = next_token(s);
  }
  l.type_text = std::string(tok);
  if (tok == "FLOCK") l.cls = LockClass::kFlock;
  else if (tok == "POSIX") l.cls = LockClass::kPosix;
  else if (tok == "OFDLCK") l.cls = LockClass::kOfd;
  else if (tok == "LEASE" || tok == "BREAKING" || tok == "ACTIVE" || tok == "DELEG") l.cls = LockClass::kLease;
  else if (tok.empty()) return bad(line, "type");
  tok = next_token(s);  // ADVISORY / MANDATORY / MSNFS / ACTIVE / BREAKING ...
  if (tok.empty()) return bad(line, "mode");
  l.mandatory = tok == "MANDATORY";
  tok = next_token(s);  // READ / WRITE / UNLCK / RW
  if (tok.empty()) return bad(line, "access");
  l.write = tok == "WRITE" || tok == "RW";
  tok = next_token(s);
  if (!parse_num(tok, l.pid)) return bad(line, "pid");
  tok = next_token(s);  // major:minor:inode in hex:hex:decimal
  {
    auto c1 = tok.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : tok.find(':', c1 + 1);
    if (c2 == std::string_view::npos || !parse_num(tok.substr(0, c1), l.major, 16) ||
        !parse_num(tok.substr(c1 + 1, c2 - c1 - 1), l.minor, 16) || !parse_num(tok.substr(c2 + 1), l.inode))
      return bad(line, "device:inode");
  }
  tok = next_token(s);
  if (!parse_num(tok, l.start)) return bad(line, "start");
  tok = next_token(s);
  if (tok == "EOF") l.end = UINT64_MAX;
  else if (!parse_num(tok, l.end)) return bad(line, "end");
  return l;
}

Result<std::vector<LockLine>> parse_proc_locks(std::string_view text) {
  std::vector<LockLine> out;
  std::size_t lineno = 0;
  while (!text.empty()) {
    ++lineno;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto l = parse_lock_line(line);
    if (!l) return Error::logic("/proc/locks line " + std::to_string(lineno) + ": " + l.error().message, EINVAL);
    out.push_back(std::move(*l));
  }
  return out;
}

std::vector<LockLine> parse_fdinfo_locks(std::string_view fdinfo) {
  std::vector<LockLine> out;
  constexpr std::string_view kPrefix = "lock:";
  while (!fdinfo.empty()) {
    auto nl = fdinfo.find('\n');
    std::string_view line = fdinfo.substr(0, nl);
    fdinfo.remove_prefix(nl == std::string_view::npos ? fdinfo.size() : nl + 1);
    if (line.substr(0, kPrefix.size()) != kPrefix) continue;
    line.remove_prefix(kPrefix.size());
    if (auto l = parse_lock_line(line)) out.push_back(std::move(*l));
  }
  return out;
}

bool locks_conflict(const LockLine& a, const LockLine& b) {
  if (a.major != b.major || a.minor != b.minor || a.inode != b.inode) return false;
  if (!a.write && !b.write) return false;
  const bool a_flock = a.cls == LockClass::kFlock, b_flock = b.cls == LockClass::kFlock;
  if (a_flock != b_flock) return false;  // flock and fcntl locks never see each other
  if (a.cls == LockClass::kLease || b.cls == LockClass::kLease) return false;
  return a.start <= b.end && b.start <= a.end;
}

}  // namespace corral::waits
