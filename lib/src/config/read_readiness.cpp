// SPDX-License-Identifier: Apache-2.0
// The readiness keys of a [service.NAME] table: notify, ready_probe,
// health_probe, start_timeout, watchdog, watchdog_signal, requires.
#include <algorithm>
#include <charconv>

#include "corral/base/signals.hpp"
#include "read_tables.hpp"

namespace corral::config {

std::string notify_text(const ReadinessConfig& r) {
  switch (r.notify) {
    case NotifyMode::None: return "none";
    case NotifyMode::Systemd: return "systemd";
    case NotifyMode::Fd: return "fd:" + std::to_string(r.notify_fd);
  }
  return "?";
}

}  // namespace corral::config

namespace corral::config::detail {
namespace {

void read_notify(const TableReader& r, ReadinessConfig& out) {
  auto v = r.string("notify");
  if (!v) return;
  if (*v == "none") {
    out.notify = NotifyMode::None;
  } else if (*v == "systemd") {
    out.notify = NotifyMode::Systemd;
  } else if (v->starts_with("fd:")) {
    int fd = -1;
    const char* b = v->data() + 3;
    const char* e = v->data() + v->size();
    auto [end, ec] = std::from_chars(b, e, fd);
    if (ec != std::errc() || end != e || fd < 3 || fd > 1023) {
      r.error(*r.node("notify"), "notify", "expected \"fd:N\" with N from 3 to 1023 (0..2 are stdio), got \"" + *v + "\"");
      return;
    }
    out.notify = NotifyMode::Fd;
    out.notify_fd = fd;
  } else {
    r.error(*r.node("notify"), "notify", "expected \"none\", \"systemd\" or \"fd:N\", got \"" + *v + "\"");
  }
}

std::optional<readiness::ProbeSpec> read_probe(ErrorSink& sink, const TableReader& parent, std::string_view key,
                                               bool health) {
  const toml::table* t = parent.table(key);
  if (!t) return std::nullopt;
  std::vector<std::string_view> known{"exec", "tcp", "http", "interval", "timeout", "initial_delay",
                                      "success_threshold"};
  if (health) known.push_back("failure_threshold");
  TableReader r(sink, *t, parent.path() + "." + std::string(key), known);
  int kinds = (r.node("exec") ? 1 : 0) + (r.node("tcp") ? 1 : 0) + (r.node("http") ? 1 : 0);
  if (kinds != 1) {
    parent.error(*parent.node(key), key,
                 kinds == 0 ? "needs one of exec = [...], tcp = \"HOST:PORT\" or http = \"http://HOST:PORT/PATH\""
                            : "takes only one of exec, tcp and http");
    return std::nullopt;
  }
  readiness::ProbeSpec p;
  bool good = true;
  if (const toml::node* n = r.node("exec")) {
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty()) {
      r.type_error(*n, "exec", "a non-empty array of strings (the probe's argv)");
      good = false;
    } else {
      p.kind = readiness::ProbeKind::Exec;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = *arr->get(i);
        std::string k = "exec[" + std::to_string(i) + "]";
        auto s = e.as_string();
        if (!s) {
          r.type_error(e, k, "a string");
          good = false;
        } else if (r.has_nul(e, k)) {
          good = false;
        } else {
          p.exec.push_back(s->get());
        }
      }
      if (good && p.exec[0].empty()) {
        r.error(*arr->get(0), "exec[0]", "the program name must not be empty");
        good = false;
      }
    }
  } else {
    const bool tcp = r.node("tcp") != nullptr;
    const char* k = tcp ? "tcp" : "http";
    auto s = r.string(k);
    if (!s) return std::nullopt;
    auto parsed = tcp ? readiness::parse_tcp_target(*s) : readiness::parse_http_url(*s);
    if (!parsed) {
      r.error(*r.node(k), k, parsed.error().message);
      return std::nullopt;
    }
    p = std::move(*parsed);
  }
  p.interval = health ? std::chrono::seconds(10) : std::chrono::seconds(1);
  if (auto v = r.duration("interval", true)) p.interval = *v;
  if (auto v = r.duration("timeout", true)) p.timeout = *v;
  if (auto v = r.duration("initial_delay")) p.initial_delay = *v;
  if (auto v = r.integer("success_threshold", 1, 1000)) p.success_threshold = static_cast<unsigned>(*v);
  if (auto v = r.integer("failure_threshold", 1, 1000)) p.failure_threshold = static_cast<unsigned>(*v);
  if (!good) return std::nullopt;
  return p;
}

void read_requires(const TableReader& r, ServiceConfig& s) {
  const toml::node* n = r.node("requires");
  if (!n) return;
  auto arr = n->as_array();
  if (!arr) {
    r.type_error(*n, "requires", "an array of service names");
    return;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    auto es = e.as_string();
    if (!es) {
      r.type_error(e, "requires[" + std::to_string(i) + "]", "a service name (string)");
      continue;
    }
    auto& req = s.readiness.required;
    if (std::find(req.begin(), req.end(), es->get()) == req.end()) req.push_back(es->get());
    // requires implies after: the start order and the waiting follow from it.
    if (std::find(s.after.begin(), s.after.end(), es->get()) == s.after.end()) s.after.push_back(es->get());
  }
}

}  // namespace

void read_readiness(ErrorSink& sink, const TableReader& r, ServiceConfig& s) {
  ReadinessConfig& out = s.readiness;
  read_notify(r, out);
  out.ready_probe = read_probe(sink, r, "ready_probe", false);
  out.health_probe = read_probe(sink, r, "health_probe", true);
  if (auto v = r.duration("start_timeout")) out.start_timeout = *v;
  if (auto v = r.duration("watchdog", true)) {
    if (out.notify != NotifyMode::Systemd)
      r.error(*r.node("watchdog"), "watchdog",
              "needs notify = \"systemd\" (the service feeds the watchdog with WATCHDOG=1)");
    else
      out.watchdog = *v;
  }
  if (const toml::node* n = r.node("watchdog_signal")) {
    std::optional<std::string> text;
    if (auto str = n->as_string()) text = str->get();
    else if (auto i = n->as_integer()) text = std::to_string(i->get());
    if (!text) r.type_error(*n, "watchdog_signal", "a signal name like \"ABRT\" or a number");
    else if (std::optional<int> sig = corral::parse_signal(*text)) out.watchdog_signal = *sig;
    else r.error(*n, "watchdog_signal", "unknown signal \"" + *text + "\"");
  }
  read_requires(r, s);
}

void check_requires(ErrorSink& sink, const std::map<std::string, ServiceTemplate>& tpls) {
  std::vector<std::string_view> names;
  for (const auto& [name, t] : tpls) names.push_back(name);
  for (const auto& [name, t] : tpls) {
    const toml::node* n = t.table->get("requires");
    const toml::array* arr = n ? n->as_array() : nullptr;
    if (!arr) continue;
    for (const toml::node& e : *arr) {
      auto s = e.as_string();
      if (!s || tpls.count(s->get())) continue;
      std::string msg = "service." + name + ".requires: unknown service \"" + s->get() + "\"";
      if (auto hint = closest_key(s->get(), names)) msg += " (did you mean \"" + std::string(*hint) + "\"?)";
      sink.at(e.source(), std::move(msg));
    }
  }
}

}  // namespace corral::config::detail
