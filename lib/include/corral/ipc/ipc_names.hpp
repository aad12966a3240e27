// SPDX-License-Identifier: Apache-2.0
// The parent's list of every named IPC object a run created. The parent removes
// them all at the end, whatever happened: normal end, a dead child, SIGINT.
// Children never remove anything (they inherit the objects through fork).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace corral::ipc {

class IpcNames {
 public:
  enum class Kind { boost_shm, boost_mq, posix_mq };

  IpcNames();
  IpcNames(const IpcNames&) = delete;
  IpcNames& operator=(const IpcNames&) = delete;
  ~IpcNames();  // remove_all(), only in the process that made the list

  // Records a name before the object is created, so a failure halfway still
  // removes whatever got made.
  void add(Kind kind, std::string name);
  // Removes every recorded object (missing ones are fine). Idempotent.
  void remove_all();
  const std::vector<std::pair<Kind, std::string>>& names() const { return names_; }

 private:
  pid_t owner_;
  std::vector<std::pair<Kind, std::string>> names_;
};

}  // namespace corral::ipc
