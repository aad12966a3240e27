// SPDX-License-Identifier: Apache-2.0
// report_to_json_text: the text of report_to_json(snap, report).dump(2), written
// straight into one string. `corralctl waits --json` prints hundreds of blocked
// waits after a full scan; building them as a tree of nlohmann objects (a std::map
// per object) and then serialising it cost more than the analysis, all on one core.
// Byte for byte the same text: keys in std::map order, nlohmann's indentation and
// string escapes. Strings that are not plain ASCII go through nlohmann itself, so
// its UTF-8 handling stays exactly its own.
#include <algorithm>
#include <charconv>
#include <cstdio>

#include "corral/protocol/json_text.hpp"
#include "corral/waits/report_format.hpp"

namespace corral::waits {
namespace {

class ReportJsonWriter {
 public:
  explicit ReportJsonWriter(std::string& out) : out_(out) {}

  // Containers. `level` is the indentation of the line the container starts on.
  void begin(char open, int level) {
    out_ += open;
    levels_.push_back({level, true, open == '{' ? '}' : ']'});
  }
  void end() {
    const Level l = levels_.back();
    levels_.pop_back();
    if (l.first) {
      out_ += l.close;  // "{}" / "[]"
      return;
    }
    out_ += '\n';
    out_.append(static_cast<std::size_t>(l.indent), ' ');
    out_ += l.close;
  }
  // Starts the next member of the open object (key) or element of the open array.
  void key(std::string_view k) {
    next_item();
    string(k);
    out_ += ": ";
  }
  void element() { next_item(); }

  // Values.
  void string(std::string_view s) { protocol::append_json_string(out_, s); }  // nlohmann's escapes
  template <class Int>
  void number(Int v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void boolean(bool b) { out_ += b ? "true" : "false"; }
  int depth() const { return levels_.empty() ? 0 : levels_.back().indent + 2; }

 private:
  struct Level {
    int indent;
    bool first;
    char close;
  };
  void next_item() {
    Level& l = levels_.back();
    out_ += l.first ? "\n" : ",\n";
    l.first = false;
    out_.append(static_cast<std::size_t>(l.indent + 2), ' ');
  }
  std::string& out_;
  std::vector<Level> levels_;
};

bool is_ascii_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Every string the report shows, plain ASCII? (Else nlohmann writes it: its UTF-8
// checks and errors are part of the output's contract.)
bool report_all_ascii(const Snapshot& snap, const Report& report) {
  auto res_ok = [&](const Resource& r) {
    return is_ascii_text(r.label) && is_ascii_text(r.path) && is_ascii_text(r.device) && is_ascii_text(r.lock_type) && is_ascii_text(r.access);
  };
  auto comm_ok = [&](pid_t pid) {
    const ProcessInfo* p = snap.process(pid);
    return !p || is_ascii_text(p->comm);
  };
  for (const auto& d : report.deadlocks) {
    for (std::size_t r : d.resources)
      if (!res_ok(snap.resources[r])) return false;
    for (pid_t p : d.pids)
      if (!comm_ok(p)) return false;
  }
  for (const auto& h : snap.holds)
    if (!is_ascii_text(h.what) || !is_ascii_text(snap.resources[h.resource].label)) return false;
  for (const auto& w : snap.waits)
    if (!is_ascii_text(w.what) || !res_ok(snap.resources[w.resource])) return false;
  for (std::size_t i : report.blocked)
    if (!comm_ok(snap.waits[i].pid)) return false;
  for (const auto& n : snap.notes)
    if (!is_ascii_text(n)) return false;
  return true;
}

std::string_view json_comm(const Snapshot& s, pid_t pid) {
  const ProcessInfo* p = s.process(pid);
  return p ? std::string_view(p->comm) : std::string_view("?");
}

// resource_json() of report_format.cpp, keys in map order.
void write_resource_json(ReportJsonWriter& j, const Resource& r) {
  const bool lock = r.kind == ResourceKind::kFileLock;
  j.begin('{', j.depth());
  if (lock) {
    j.key("access");
    j.string(r.access);
  }
  if (r.kind == ResourceKind::kMutex) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(r.address));
    j.key("address");
    j.string(buf);
  }
  if (!r.device.empty()) {
    j.key("device");
    j.string(r.device);
  }
  if (lock) {
    j.key("end");
    if (r.end == kToEof) j.string("EOF");
    else j.number(r.end);
  }
  if (r.inode) {
    j.key("inode");
    j.number(r.inode);
  }
  j.key("kind");
  j.string(to_string(r.kind));
  j.key("label");
  j.string(r.label);
  if (lock) {
    j.key("lock_type");
    j.string(r.lock_type);
  }
  if (!r.path.empty()) {
    j.key("path");
    j.string(r.path);
  }
  if (lock) {
    j.key("start");
    j.number(r.start);
  }
  j.end();
}

// process_json() of report_format.cpp.
void write_process_json(ReportJsonWriter& j, const Snapshot& s, pid_t pid) {
  j.begin('{', j.depth());
  j.key("comm");
  j.string(json_comm(s, pid));
  j.key("holds");
  j.begin('[', j.depth());
  for (const auto& h : s.holds) {
    if (h.pid != pid) continue;
    j.element();
    j.begin('{', j.depth());
    j.key("resource");
    j.string(s.resources[h.resource].label);
    j.key("what");
    j.string(h.what);
    j.end();
  }
  j.end();
  j.key("pid");
  j.number(pid);
  j.key("waits");
  j.begin('[', j.depth());
  for (const auto& w : s.waits) {
    if (w.pid != pid) continue;
    j.element();
    j.begin('{', j.depth());
    j.key("resource");
    j.string(s.resources[w.resource].label);
    j.key("tid");
    j.number(w.tid);
    j.key("what");
    j.string(w.what);
    j.end();
  }
  j.end();
  j.end();
}

}  // namespace

std::string report_to_json_text(const Snapshot& snap, const Report& report) {
  if (!report_all_ascii(snap, report)) return report_to_json(snap, report).dump(2);
  std::string out;
  out.reserve(4096 + report.blocked.size() * 512);
  ReportJsonWriter j(out);
  j.begin('{', 0);
  j.key("blocked");
  j.begin('[', j.depth());
  for (std::size_t i = 0; i < report.blocked.size(); ++i) {
    const Waiting& w = snap.waits[report.blocked[i]];
    j.element();
    j.begin('{', j.depth());
    j.key("comm");
    j.string(json_comm(snap, w.pid));
    j.key("pid");
    j.number(w.pid);
    j.key("resource");
    write_resource_json(j, snap.resources[w.resource]);
    j.key("tid");
    j.number(w.tid);
    j.key("waits_on_deadlock");
    j.boolean(report.waits_on_deadlock[i]);
    j.key("what");
    j.string(w.what);
    j.end();
  }
  j.end();
  j.key("deadlocks");
  j.begin('[', j.depth());
  for (const auto& d : report.deadlocks) {
    j.element();
    j.begin('{', j.depth());
    j.key("details");
    j.begin('[', j.depth());
    for (pid_t p : d.pids) {
      j.element();
      write_process_json(j, snap, p);
    }
    j.end();
    j.key("processes");
    j.begin('[', j.depth());
    for (pid_t p : d.pids) {
      j.element();
      j.number(p);
    }
    j.end();
    j.key("resources");
    j.begin('[', j.depth());
    for (std::size_t r : d.resources) {
      j.element();
      write_resource_json(j, snap.resources[r]);
    }
    j.end();
    j.end();
  }
  j.end();
  j.key("notes");
  j.begin('[', j.depth());
  for (const auto& n : snap.notes) {
    j.element();
    j.string(n);
  }
  j.end();
  j.end();
  return out;
}

}  // namespace corral::waits
