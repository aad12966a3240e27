// SPDX-License-Identifier: Apache-2.0
// `corralctl waits --json` prints report_to_json_text(), written straight to text; it
// must be byte for byte report_to_json().dump(2), the format the JSON tree gives.
// Hand-made snapshots cover every kind of resource and field (EOF and numeric lock
// ends, a mutex address, a FIFO path, escapes), and a real scan of this machine.
#include <gtest/gtest.h>

#include <string>

#include "corral/waits/report_format.hpp"
#include "corral/waits/scan.hpp"

namespace {

using namespace corral::waits;

Resource resource(ResourceKind kind, const std::string& label) {
  Resource r;
  r.kind = kind;
  r.key = label;
  r.label = label;
  return r;
}

Snapshot every_kind() {
  Snapshot s;
  s.processes.push_back({10, "holder", {10}, 0, 0, 0, 0, 'S'});
  s.processes.push_back({11, "wait\"er\\\t\x01", {11, 12}, 0, 0, 0, 0, 'S'});
  s.processes.push_back({13, "fifo", {13}, 0, 0, 0, 0, 'S'});
  Resource lock = resource(ResourceKind::kFileLock, "/tmp/f (inode 08:01:7) bytes 0-EOF FLOCK WRITE");
  lock.path = "/tmp/f";
  lock.device = "08:01";
  lock.inode = 7;
  lock.end = kToEof;
  lock.lock_type = "FLOCK";
  lock.access = "WRITE";
  Resource range = lock;
  range.key = "range";
  range.start = 10;
  range.end = 19;
  range.lock_type = "POSIX";
  range.access = "READ";
  range.path.clear();
  Resource mutex = resource(ResourceKind::kMutex, "mutex 0x7f00 in [anonymous]");
  mutex.address = 0x7f00;
  Resource fifo = resource(ResourceKind::kPipe, "FIFO /tmp/q\n (empty: waiting for a writer)");
  fifo.path = "/tmp/q";
  fifo.device = "fe:00";
  fifo.inode = 99;
  Resource sem = resource(ResourceKind::kSysvSem, "System V semaphore set id 3 (holders not knowable)");
  for (const Resource& r : {lock, range, mutex, fifo, sem}) s.add_resource(r);
  s.holds.push_back({10, 0, "FLOCK WRITE 0-EOF"});
  s.holds.push_back({10, 1, "POSIX WRITE 0-EOF"});
  s.holds.push_back({11, 2, "owner tid 12"});
  s.waits.push_back({11, 11, 0, "flock FLOCK WRITE 0-EOF"});
  s.waits.push_back({10, 10, 2, "futex 0x7f00 (pthread mutex)"});
  s.waits.push_back({13, 13, 3, "read fd 0"});
  s.waits.push_back({13, 13, 4, "semop"});
  s.waits.push_back({11, 12, 1, "F_SETLKW READ 10-19"});
  s.notes.push_back("a note with \"quotes\"\r\n");
  return s;
}

TEST(WaitsJsonText, SameTextAsTheJsonTreeForEveryKindOfResource) {
  const Snapshot s = every_kind();
  const Report report = analyze(s);
  ASSERT_FALSE(report.deadlocks.empty());  // 10 and 11 wait on each other
  EXPECT_EQ(report_to_json_text(s, report), report_to_json(s, report).dump(2));
}

TEST(WaitsJsonText, SameTextWithNothingBlockedOrNoted) {
  Snapshot s;
  const Report report = analyze(s);
  EXPECT_EQ(report_to_json_text(s, report), report_to_json(s, report).dump(2));
  // Blocked waits outside any deadlock, no notes.
  Snapshot one = every_kind();
  one.holds.clear();
  one.notes.clear();
  const Report blocked = analyze(one);
  EXPECT_TRUE(blocked.deadlocks.empty());
  EXPECT_FALSE(blocked.blocked.empty());
  EXPECT_EQ(report_to_json_text(one, blocked), report_to_json(one, blocked).dump(2));
}

TEST(WaitsJsonText, NonAsciiTextIsLeftToNlohmann) {
  Snapshot s = every_kind();
  s.processes[1].comm = "w\xc3\xa4iter";  // UTF-8
  const Report report = analyze(s);
  EXPECT_EQ(report_to_json_text(s, report), report_to_json(s, report).dump(2));
}

TEST(WaitsJsonText, SameTextForARealScanOfThisMachine) {
  auto snap = scan_system({});
  ASSERT_TRUE(snap) << snap.error().message;
  const Report report = analyze(*snap);
  EXPECT_EQ(report_to_json_text(*snap, report), report_to_json(*snap, report).dump(2));
}

}  // namespace
