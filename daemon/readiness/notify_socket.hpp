// SPDX-License-Identifier: Apache-2.0
// The sd_notify socket corrald owns: one datagram socket in the abstract
// namespace, shared by every notify service, with SO_PASSCRED so that each
// datagram carries its sender's pid (checked by the kernel). The services get
// its address as NOTIFY_SOCKET. Descriptors sent along (BARRIER=1) are closed
// once the datagram has been handled, which is what releases the sender.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "../event_loop.hpp"
#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon::readiness {

class NotifySocket {
 public:
  // cred.pid == 0 when the kernel gave no credentials (never with SO_PASSCRED).
  using Handler = std::function<void(const ucred& cred, std::string_view payload, bool truncated)>;

  static Result<std::unique_ptr<NotifySocket>> open(EventLoop& loop, Handler handler);
  ~NotifySocket();

  // "@corral-notify/PID/N": the NOTIFY_SOCKET value.
  const std::string& address() const { return address_; }

 private:
  NotifySocket(EventLoop& loop, Handler handler) : loop_(loop), handler_(std::move(handler)) {}
  void drain();

  EventLoop& loop_;
  Handler handler_;
  UniqueFd fd_;
  std::string address_;
};

}  // namespace corral::daemon::readiness
