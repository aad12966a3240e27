// SPDX-License-Identifier: Apache-2.0
#include "log_pipe_keeper.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "../daemon_log.hpp"
#include "fd_passing.hpp"
#include "holder.hpp"

namespace corral::daemon {

using fdholder::recv_message;
using fdholder::send_message;

namespace {

UniqueFd connect_to(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return {};
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  UniqueFd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!s) return {};
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
  timeval tv{5, 0};  // the holder answers at once; never hang corrald on it
  ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return s;
}

// One message of the answer to TAKE into held: "FDS " with a name per line
// and as many descriptors (this holder), or "FD name" with one (a holder
// started by a corrald from before batching, still running after an upgrade).
// False when the names and the descriptors do not pair up.
bool take_held(fdholder::Message& m, std::map<std::string, UniqueFd>& held) {
  if (m.text.rfind("FD ", 0) == 0) {
    if (m.fds.size() != 1 || m.fds_truncated) return false;
    held[m.text.substr(3)] = std::move(m.fds.front());
    return true;
  }
  if (m.text.rfind("FDS ", 0) != 0) return true;  // nothing this corrald knows: skip it
  std::size_t i = 0;
  for (std::size_t pos = 4; pos <= m.text.size(); ++i) {
    std::size_t end = m.text.find('\n', pos);
    if (end == std::string::npos) end = m.text.size();
    if (i >= m.fds.size()) return false;
    held[m.text.substr(pos, end - pos)] = std::move(m.fds[i]);
    pos = end + 1;
  }
  return i == m.fds.size() && !m.fds_truncated;
}

}  // namespace

LogPipeKeeper::LogPipeKeeper(Supervisor& sup, EventBus& events, std::string state_dir)
    : sup_(sup), events_(events), path_(std::move(state_dir) + "/fdholder.sock") {}

LogPipeKeeper::~LogPipeKeeper() {
  if (sub_) events_.unsubscribe(sub_);
}

void LogPipeKeeper::lost(const std::string& why) {
  log_line("fd holder: %s; log pipes are no longer kept across a crash of corrald", why.c_str());
  sock_.reset();
  stored_.clear();
}

void LogPipeKeeper::start(Pipes pipes) {
  sock_ = connect_to(path_);
  if (sock_ && pipes == Pipes::HandedOver) {
    for (const auto& [name, s] : sup_.services())
      if (s->log_read) stored_[name] = s->log_read.get();
  } else if (sock_) {
    std::map<std::string, UniqueFd> held;
    if (!send_message(sock_.get(), "TAKE")) return lost("TAKE failed");
    for (;;) {
      auto m = recv_message(sock_.get());
      if (!m) return lost(m.error().message);
      if (m->text == "END") break;
      if (!take_held(*m, held)) return lost("the answer to TAKE lost descriptors");
    }
    int taken = 0;
    for (auto& [key, fd] : held) {
      // Keys are "NAME r" and "NAME w".
      if (key.size() < 3 || key.compare(key.size() - 2, 2, " r") != 0) continue;
      std::string name = key.substr(0, key.size() - 2);
      auto w = held.find(name + " w");
      Service* s = sup_.find(name);
      if (!s || w == held.end() || !w->second) {
        (void)send_message(sock_.get(), "DROP " + name + " r");
        (void)send_message(sock_.get(), "DROP " + name + " w");
        continue;
      }
      if (s->log_read) {  // a re-exec handed the same pipe over directly: the holder's copy stays
        stored_[name] = s->log_read.get();
        continue;
      }
      if (Status st = sup_.take_log_pipe(*s, std::move(fd), std::move(w->second)); !st) {
        log_line("%s: %s", name.c_str(), st.error().message.c_str());
        continue;
      }
      stored_[name] = s->log_read.get();
      ++taken;
    }
    if (taken) log_line("fd holder: took back %d log pipes", taken);
  } else {
    auto pid = fdholder::spawn_holder(path_);
    if (!pid) {
      log_line("fd holder: %s; log pipes are not kept across a crash of corrald", pid.error().message.c_str());
      return;
    }
    sock_ = connect_to(path_);
    if (!sock_) return lost("cannot connect to " + path_);
  }
  sub_ = events_.subscribe([this](const DaemonEvent& e) { on_event(e); });
  for (const auto& [name, s] : sup_.services()) store(*s);
}

void LogPipeKeeper::store(const Service& s) {
  if (!sock_ || !s.log_read || !s.log_write) return;
  const std::string& name = s.spec.name();
  auto it = stored_.find(name);
  if (it != stored_.end() && it->second == s.log_read.get()) return;
  if (!send_message(sock_.get(), "STORE " + name + " r", s.log_read.get()) ||
      !send_message(sock_.get(), "STORE " + name + " w", s.log_write.get()))
    return lost("cannot hand over the log pipe of " + name);
  stored_[name] = s.log_read.get();
}

void LogPipeKeeper::on_event(const DaemonEvent& e) {
  if (!sock_) return;
  if (e.kind == DaemonEvent::Kind::Removed) {
    stored_.erase(e.service);
    (void)send_message(sock_.get(), "DROP " + e.service + " r");
    (void)send_message(sock_.get(), "DROP " + e.service + " w");
    return;
  }
  if (e.kind != DaemonEvent::Kind::State || e.service.empty()) return;
  if (Service* s = sup_.find(e.service)) store(*s);  // a first launch made its pipe
}

void LogPipeKeeper::finish_clean() {
  if (!sock_) return;
  (void)send_message(sock_.get(), "QUIT");
  sock_.reset();
}

}  // namespace corral::daemon
