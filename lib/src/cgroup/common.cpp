// SPDX-License-Identifier: Apache-2.0
// Backend-independent parsing: cpu.max quotas, PSI lines, weight -> shares.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "corral/cgroup/cgroup.hpp"

namespace corral::cgroup {

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::V2: return "v2";
    case Mode::V1: return "v1";
    case Mode::Hybrid: return "hybrid";
  }
  return "?";
}

std::uint64_t weight_to_shares(unsigned weight) {
  std::uint64_t shares = static_cast<std::uint64_t>(weight) * 1024 / 100;
  return std::clamp<std::uint64_t>(shares, 2, 262144);
}

Result<std::optional<CpuMax>> parse_cpu_max(std::string_view text) {
  auto bad = [&](const char* why) {
    return Error::logic("cpu_max \"" + std::string(text) + "\": " + why, EINVAL);
  };
  if (text == "max" || text.empty()) return std::optional<CpuMax>{};
  if (text.back() == '%') {
    std::string_view num = text.substr(0, text.size() - 1);
    double pct = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), pct);
    if (ec != std::errc() || p != num.data() + num.size()) return bad("expected a percentage like 150%");
    if (!(pct > 0) || pct > 100000) return bad("percentage must be > 0");
    CpuMax m;
    m.quota_us = static_cast<std::uint64_t>(std::llround(pct / 100.0 * double(m.period_us)));
    // The kernel's minimum quota is 1 ms.
    if (m.quota_us < 1000) return bad("below the kernel minimum of 1% (1 ms per 100 ms)");
    return std::optional<CpuMax>{m};
  }
  std::size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return bad("expected \"150%\", \"max\" or \"QUOTA PERIOD\"");
  std::string_view q = text.substr(0, sp), per = text.substr(sp + 1);
  CpuMax m;
  if (q == "max") return std::optional<CpuMax>{};
  auto r1 = std::from_chars(q.data(), q.data() + q.size(), m.quota_us);
  auto r2 = std::from_chars(per.data(), per.data() + per.size(), m.period_us);
  if (r1.ec != std::errc() || r2.ec != std::errc() || m.period_us == 0) return bad("bad numbers");
  return std::optional<CpuMax>{m};
}

namespace {
bool parse_psi_line(std::string_view line, PsiLine& out) {
  auto field = [&](std::string_view key, auto& v) {
    std::size_t at = line.find(key);
    if (at == std::string_view::npos) return false;
    const char* b = line.data() + at + key.size();
    const char* e = line.data() + line.size();
    return std::from_chars(b, e, v).ec == std::errc();
  };
  return field("avg10=", out.avg10) && field("avg60=", out.avg60) &&
         field("avg300=", out.avg300) && field("total=", out.total_us);
}
}  // namespace

Result<Psi> parse_psi(std::string_view text) {
  Psi psi;
  bool some = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.starts_with("some ")) {
      if (!parse_psi_line(line, psi.some)) return Error::logic("bad PSI line: " + std::string(line), EINVAL);
      some = true;
    } else if (line.starts_with("full ")) {
      PsiLine f;
      if (!parse_psi_line(line, f)) return Error::logic("bad PSI line: " + std::string(line), EINVAL);
      psi.full = f;
    }
  }
  if (!some) return Error::logic("PSI text without a \"some\" line", EINVAL);
  return psi;
}

}  // namespace corral::cgroup
