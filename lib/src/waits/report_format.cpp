// SPDX-License-Identifier: Apache-2.0
// JSON, DOT and text renderings of a deadlock report.
#include "corral/waits/report_format.hpp"

#include <cstdio>
#include <set>

namespace corral::waits {
namespace {

std::string comm_of(const Snapshot& s, pid_t pid) {
  const ProcessInfo* p = s.process(pid);
  return p ? p->comm : std::string("?");
}

nlohmann::json resource_json(const Resource& r) {
  nlohmann::json j{{"kind", to_string(r.kind)}, {"label", r.label}};
  if (!r.path.empty()) j["path"] = r.path;
  if (!r.device.empty()) j["device"] = r.device;
  if (r.inode) j["inode"] = r.inode;
  if (r.kind == ResourceKind::kFileLock) {
    j["start"] = r.start;
    j["end"] = r.end == kToEof ? nlohmann::json("EOF") : nlohmann::json(r.end);
    j["lock_type"] = r.lock_type;
    j["access"] = r.access;
  }
  if (r.kind == ResourceKind::kMutex) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(r.address));
    j["address"] = buf;
  }
  return j;
}

nlohmann::json process_json(const Snapshot& s, pid_t pid) {
  nlohmann::json holds = nlohmann::json::array(), waits = nlohmann::json::array();
  for (const auto& h : s.holds)
    if (h.pid == pid) holds.push_back({{"resource", s.resources[h.resource].label}, {"what", h.what}});
  for (const auto& w : s.waits)
    if (w.pid == pid) waits.push_back({{"resource", s.resources[w.resource].label}, {"what", w.what}, {"tid", w.tid}});
  return {{"pid", pid}, {"comm", comm_of(s, pid)}, {"holds", holds}, {"waits", waits}};
}

std::string dot_escape(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

nlohmann::json report_to_json(const Snapshot& snap, const Report& report) {
  nlohmann::json out;
  out["deadlocks"] = nlohmann::json::array();
  for (const auto& d : report.deadlocks) {
    nlohmann::json dj;
    dj["processes"] = d.pids;
    dj["resources"] = nlohmann::json::array();
    for (std::size_t r : d.resources) dj["resources"].push_back(resource_json(snap.resources[r]));
    dj["details"] = nlohmann::json::array();
    for (pid_t p : d.pids) dj["details"].push_back(process_json(snap, p));
    out["deadlocks"].push_back(std::move(dj));
  }
  out["blocked"] = nlohmann::json::array();
  for (std::size_t i = 0; i < report.blocked.size(); ++i) {
    const Waiting& w = snap.waits[report.blocked[i]];
    out["blocked"].push_back({{"pid", w.pid},
                              {"tid", w.tid},
                              {"comm", comm_of(snap, w.pid)},
                              {"what", w.what},
                              {"resource", resource_json(snap.resources[w.resource])},
                              {"waits_on_deadlock", static_cast<bool>(report.waits_on_deadlock[i])}});
  }
  out["notes"] = snap.notes;
  return out;
}

std::string report_to_dot(const Snapshot& snap, const Report& report) {
  std::set<pid_t> dead;
  std::set<std::size_t> dead_res;
  for (const auto& d : report.deadlocks) {
    dead.insert(d.pids.begin(), d.pids.end());
    dead_res.insert(d.resources.begin(), d.resources.end());
  }
  std::set<pid_t> shown;
  std::set<std::size_t> shown_res;
  for (const auto& w : snap.waits) {
    shown.insert(w.pid);
    shown_res.insert(w.resource);
  }
  for (const auto& h : snap.holds)
    if (shown_res.count(h.resource)) shown.insert(h.pid);
  std::string out = "digraph waits {\n  rankdir=LR;\n";
  for (pid_t p : shown)
    out += "  \"p" + std::to_string(p) + "\" [shape=box, label=\"" + std::to_string(p) + " " +
           dot_escape(comm_of(snap, p)) + "\"" + (dead.count(p) ? ", color=red, penwidth=2" : "") + "];\n";
  for (std::size_t r : shown_res)
    out += "  \"r" + std::to_string(r) + "\" [shape=ellipse, label=\"" + dot_escape(snap.resources[r].label) + "\"" +
           (dead_res.count(r) ? ", color=red, penwidth=2" : "") + "];\n";
  for (const auto& w : snap.waits)
    out += "  \"p" + std::to_string(w.pid) + "\" -> \"r" + std::to_string(w.resource) + "\" [label=\"waits\"];\n";
  for (const auto& h : snap.holds)
    if (shown_res.count(h.resource))
      out += "  \"r" + std::to_string(h.resource) + "\" -> \"p" + std::to_string(h.pid) +
             "\" [label=\"held by\", style=dashed];\n";
  out += "}\n";
  return out;
}

std::string report_to_text(const Snapshot& snap, const Report& report) {
  std::string out;
  int n = 0;
  for (const auto& d : report.deadlocks) {
    out += "DEADLOCK " + std::to_string(++n) + ": " + std::to_string(d.pids.size()) + " processes, " +
           std::to_string(d.resources.size()) + " resources\n";
    for (pid_t p : d.pids) {
      out += "  pid " + std::to_string(p) + " (" + comm_of(snap, p) + ")\n";
      for (const auto& h : snap.holds)
        if (h.pid == p) out += "    holds " + snap.resources[h.resource].label + "  [" + h.what + "]\n";
      for (const auto& w : snap.waits)
        if (w.pid == p)
          out += "    waits " + snap.resources[w.resource].label + "  [" + w.what + ", tid " + std::to_string(w.tid) +
                 "]\n";
    }
  }
  if (report.deadlocks.empty()) out += "no deadlock found\n";
  if (!report.blocked.empty()) {
    out += "blocked, not deadlocked:\n";
    for (std::size_t i = 0; i < report.blocked.size(); ++i) {
      const Waiting& w = snap.waits[report.blocked[i]];
      out += "  pid " + std::to_string(w.pid) + " (" + comm_of(snap, w.pid) + ") " + w.what + " on " +
             snap.resources[w.resource].label + (report.waits_on_deadlock[i] ? "  (waits on a deadlock)" : "") + "\n";
    }
  }
  for (const auto& note : snap.notes) out += "note: " + note + "\n";
  return out;
}

}  // namespace corral::waits
