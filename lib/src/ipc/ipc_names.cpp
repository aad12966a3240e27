// SPDX-License-Identifier: Apache-2.0
#include "corral/ipc/ipc_names.hpp"

#include <mqueue.h>
#include <unistd.h>

#include <boost/interprocess/ipc/message_queue.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

namespace corral::ipc {

IpcNames::IpcNames() : owner_(::getpid()) {}

IpcNames::~IpcNames() {
  if (::getpid() == owner_) remove_all();
}

void IpcNames::add(Kind kind, std::string name) { names_.emplace_back(kind, std::move(name)); }

void IpcNames::remove_all() {
  for (const auto& [kind, name] : names_) {
    switch (kind) {
      case Kind::boost_shm:
        boost::interprocess::shared_memory_object::remove(name.c_str());
        break;
      case Kind::boost_mq:
        boost::interprocess::message_queue::remove(name.c_str());
        break;
      case Kind::posix_mq:
        ::mq_unlink(("/" + name).c_str());
        break;
    }
  }
  names_.clear();
}

}  // namespace corral::ipc
