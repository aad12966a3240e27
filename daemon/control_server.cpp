// SPDX-License-Identifier: Apache-2.0
#include "control_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "corral/base/file_read.hpp"
#include "daemon_log.hpp"

namespace corral::daemon {
namespace {

// A long reply's sent bytes are dropped from its buffer once they are at least
// this many and half of it (see flush()).
constexpr std::size_t kCompactSent = 64 * 1024;

Status make_dirs(const std::string& dir) {
  std::string path;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("mkdir " + path);
  }
  return {};
}

std::string group_label(gid_t gid) {
  std::string label = std::to_string(gid);
  if (const group* g = ::getgrgid(gid)) label = std::string(g->gr_name) + " (" + label + ")";
  return label;
}

// Supplementary groups of a peer from /proc/PID/status: exact for the process
// that connected, with no NSS lookups in the event loop.
bool peer_in_group(pid_t pid, gid_t gid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return false;
  auto pos = text->find("\nGroups:");
  if (pos == std::string::npos) return false;
  const char* p = text->c_str() + pos + 8;
  while (*p && *p != '\n') {
    char* end = nullptr;
    unsigned long g = std::strtoul(p, &end, 10);
    if (end == p) {
      ++p;
      continue;
    }
    if (static_cast<gid_t>(g) == gid) return true;
    p = end;
  }
  return false;
}

}  // namespace

ControlServer::ControlServer(EventLoop& loop, const std::string& path, int idle_timeout_s, int max_clients,
                             Handler handler)
    : loop_(loop), path_(path), idle_timeout_s_(idle_timeout_s), max_clients_(max_clients), handler_(std::move(handler)) {}

ControlServer::~ControlServer() { shutdown(); }

void ControlServer::shutdown() {
  while (!clients_.empty()) drop(clients_.begin()->first);
  if (listen_fd_) {
    loop_.remove(listen_fd_.get());
    listen_fd_.reset();
    ::unlink(path_.c_str());
  }
}

Status ControlServer::listen() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) return Error::logic("socket path too long: " + path_, ENAMETOOLONG);
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  auto slash = path_.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (Status st = make_dirs(path_.substr(0, slash)); !st) return st;
  }
  listen_fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_fd_) return errno_error("socket");
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error::logic(path_ + " exists and is not a socket", EEXIST);
    // A live daemon answers; a stale socket from a dead one is replaced.
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      return Error::logic("another corrald is already listening on " + path_, EADDRINUSE);
    ::unlink(path_.c_str());
  }
  if (::bind(listen_fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return errno_error("bind " + path_);
  // Anyone may connect and read; SO_PEERCRED decides who may change state.
  // With a socket group, only root and that group may connect at all.
  if (wanted_group_ && ::chown(path_.c_str(), static_cast<uid_t>(-1), *wanted_group_) != 0)
    return errno_error("chown " + path_ + " to group " + group_label(*wanted_group_));
  if (::chmod(path_.c_str(), wanted_group_ ? 0660 : 0666) != 0) return errno_error("chmod " + path_);
  if (::stat(path_.c_str(), &st) == 0) socket_gid_ = st.st_gid;
  if (::listen(listen_fd_.get(), SOMAXCONN) != 0) return errno_error("listen " + path_);
  return loop_.add(listen_fd_.get(), EPOLLIN, [this](std::uint32_t) { accept_clients(); });
}

Peer ControlServer::peer_of(int fd) const {
  Peer p;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    p.uid = static_cast<uid_t>(-1);  // counted as an untrusted uid of its own
    p.why_not = "permission denied: peer credentials unavailable";
    return p;
  }
  p.pid = cred.pid;
  p.uid = cred.uid;
  p.gid = cred.gid;
  return p;
}

// Privilege is decided after admission: the group check reads /proc, which a
// flood of refused connections should not make corrald do.
static void decide_privilege(Peer& p, gid_t socket_gid) {
  if (!p.why_not.empty()) return;
  if (p.uid == 0 || p.uid == ::geteuid() || p.gid == socket_gid || peer_in_group(p.pid, socket_gid)) {
    p.privileged = true;
  } else {
    p.why_not = "permission denied: uid " + std::to_string(p.uid) +
                " is not root, not corrald's user and not in the socket's group " + group_label(socket_gid);
  }
}

int ControlServer::per_uid_limit() const { return std::max(4, max_clients_ / 16); }
int ControlServer::shared_limit() const { return std::max(1, max_clients_ - std::max(4, max_clients_ / 8)); }

bool ControlServer::admit(uid_t uid, bool trusted, std::string& why) const {
  if (static_cast<int>(clients_.size()) >= max_clients_) {
    why = "too many clients (limit " + std::to_string(max_clients_) + "); try again";
    return false;
  }
  if (trusted) return true;
  auto it = per_uid_.find(uid);
  if (it != per_uid_.end() && it->second >= per_uid_limit()) {
    why = "too many clients for uid " + std::to_string(uid) + " (limit " + std::to_string(per_uid_limit()) +
          "); try again";
    return false;
  }
  if (untrusted_ >= shared_limit()) {
    why = "too many clients (the rest of the limit is reserved for root); try again";
    return false;
  }
  return true;
}

void ControlServer::accept_clients() {
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the pending connection would wake us again at
        // once. Stop listening for a moment instead of spinning.
        log_line("accept: %s; pausing new connections for 200 ms", std::strerror(errno));
        loop_.remove(listen_fd_.get());
        loop_.add_timer(std::chrono::steady_clock::now() + std::chrono::milliseconds(200), [this] {
          if (listen_fd_) (void)loop_.add(listen_fd_.get(), EPOLLIN, [this](std::uint32_t) { accept_clients(); });
        });
      }
      return;
    }
    Peer peer = peer_of(fd);
    bool trusted = peer.why_not.empty() && (peer.uid == 0 || peer.uid == ::geteuid());
    if (std::string why; !admit(peer.uid, trusted, why)) {
      std::string msg = protocol::encode(protocol::Response::failure(why));
      (void)!::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    decide_privilege(peer, socket_gid_);
    ClientId id = next_id_++;
    auto c = std::make_unique<Client>();
    c->fd.reset(fd);
    c->peer = peer;
    c->trusted = trusted;
    c->last_active = std::chrono::steady_clock::now();
    Status st = loop_.add(fd, EPOLLIN, [this, id](std::uint32_t ev) { on_client(id, ev); });
    if (!st) continue;  // c (and the fd) die here
    ++per_uid_[peer.uid];
    if (!trusted) ++untrusted_;
    clients_.emplace(id, std::move(c));
    arm_idle(id);
  }
}

void ControlServer::arm_idle(ClientId id) {
  auto it = clients_.find(id);
  if (it == clients_.end() || idle_timeout_s_ <= 0) return;
  Client& c = *it->second;
  c.idle_timer = loop_.add_timer(c.last_active + std::chrono::seconds(idle_timeout_s_), [this, id] {
    auto it2 = clients_.find(id);
    if (it2 == clients_.end()) return;
    Client& cl = *it2->second;
    cl.idle_timer = 0;
    if (cl.closing) {  // its last words were never read
      drop(id);
      return;
    }
    auto now = std::chrono::steady_clock::now();
    // A follower that reads is not idle; one whose stream backs up is dropped by send_raw.
    if (cl.following || cl.waiting || now - cl.last_active < std::chrono::seconds(idle_timeout_s_)) {
      arm_idle(id);
      return;
    }
    reply(id, protocol::Response::failure("idle for " + std::to_string(idle_timeout_s_) + " s; closing"));
    close_after_flush(id);
    if (alive(id)) {  // unread output: give it one more period, then drop
      clients_.at(id)->last_active = now;
      arm_idle(id);
    }
  });
}

void ControlServer::drop(ClientId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (c.idle_timer) loop_.cancel_timer(c.idle_timer);
  loop_.remove(c.fd.get());
  if (auto u = per_uid_.find(c.peer.uid); u != per_uid_.end() && --u->second <= 0) per_uid_.erase(u);
  if (!c.trusted) --untrusted_;
  clients_.erase(it);
  if (on_disconnect) on_disconnect(id);
}

void ControlServer::close_after_flush(ClientId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  it->second->closing = true;
  if (it->second->out.empty()) drop(id);
}

void ControlServer::set_following(ClientId id, bool following) {
  auto it = clients_.find(id);
  if (it != clients_.end()) it->second->following = following;
}

void ControlServer::on_client(ClientId id, std::uint32_t events) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (events & EPOLLOUT) {
    flush(id);
    if (!alive(id)) return;
  }
  if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN)) {
    drop(id);  // gone while we were not reading from it
    return;
  }
  if (events & EPOLLIN) {
    // One bounded read per turn: a client that writes fast gets no more of
    // corrald's time than one that writes slowly.
    char buf[kReadPerTurn];
    ssize_t n;
    do n = ::recv(c.fd.get(), buf, sizeof buf, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      drop(id);  // hung up (a follower ends this way) or broken
      return;
    }
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      c.last_active = std::chrono::steady_clock::now();
      // Refuse an oversized line as soon as it is one, not when it ends.
      std::size_t nl = c.in.find('\n');
      if ((nl == std::string::npos ? c.in.size() : nl) > protocol::kMaxLine) {
        c.in.clear();
        c.out += protocol::encode(protocol::Response::failure(
            "request line longer than " + std::to_string(protocol::kMaxLine) + " bytes; closing"));
        c.closing = true;
        flush(id);
        return;
      }
      if (c.following && c.in.size() > protocol::kMaxLine) {
        drop(id);  // a follower takes no requests: nothing to buffer them for
        return;
      }
    }
    process_lines(id);
  }
}

void ControlServer::queue_resume(ClientId id) {
  auto it = clients_.find(id);
  if (it == clients_.end() || it->second->resume_queued) return;
  it->second->resume_queued = true;
  loop_.add_timer(std::chrono::steady_clock::now(), [this, id] {
    auto it2 = clients_.find(id);
    if (it2 == clients_.end()) return;
    it2->second->resume_queued = false;
    process_lines(id);
  });
}

void ControlServer::process_lines(ClientId id) {
  for (int served = 0;; ++served) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    // Not while a reply is pending or unread: a client that pipelines without
    // reading waits for itself, not everyone else for it.
    if (c.waiting || c.following || c.closing || !c.out.empty() || served == kRequestsPerTurn) {
      c.processing = false;
      if (!c.waiting && !c.following && !c.closing && c.out.empty() && c.in.find('\n') != std::string::npos)
        queue_resume(id);  // the turn's share is used up: the rest on a later turn
      update_interest(c);
      return;
    }
    std::size_t nl = c.in.find('\n');
    if (nl == std::string::npos) {
      c.processing = false;
      update_interest(c);
      return;
    }
    c.processing = true;
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto req = protocol::decode_request(line);
    if (!req) {
      reply(id, protocol::Response::failure("bad request: " + req.error().message));
      continue;
    }
    c.waiting = true;
    Peer peer = c.peer;
    handler_(id, peer, *req);  // may reply, defer, or drop the client
  }
}

void ControlServer::reply(ClientId id, const protocol::Response& r) {
  if (clients_.count(id) == 0) return;
  reply_line(id, protocol::encode(r));
}

void ControlServer::reply_line(ClientId id, std::string line) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (c.out.empty()) c.out = std::move(line);  // a long reply is not copied
  else c.out += line;
  bool resume = c.waiting && !c.processing;
  c.waiting = false;
  flush(id);
  // A deferred reply lets the client's next buffered request run (from the
  // loop, not from inside whatever produced the reply). Inside process_lines
  // the loop there picks it up.
  if (resume && alive(id)) queue_resume(id);
}

bool ControlServer::send_raw(ClientId id, std::string_view data) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return false;
  Client& c = *it->second;
  if (c.closing) return false;
  std::size_t cap = c.trusted ? kMaxUnsentTrusted : kMaxUnsent;
  if (c.out.size() - c.out_sent + data.size() > cap) {
    // A follower that does not keep up is dropped, never buffered without bound.
    c.following = false;
    c.out += protocol::encode(protocol::Response::failure(
        "dropped: more than " + std::to_string(cap) + " bytes of output unread; reconnect to follow again"));
    c.closing = true;
    flush(id);
    return false;
  }
  c.out.append(data);
  flush(id);
  return alive(id);
}

void ControlServer::flush(ClientId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  while (c.out_sent < c.out.size()) {
    ssize_t n = ::send(c.fd.get(), c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out_sent += static_cast<std::size_t>(n);
      c.last_active = std::chrono::steady_clock::now();  // reading a long reply is not idling
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    drop(id);
    return;
  }
  if (c.out_sent == c.out.size()) {
    c.out.clear();
    c.out_sent = 0;
  } else if (c.out_sent >= kCompactSent && c.out_sent * 2 >= c.out.size()) {
    // The sent bytes go only once they are half the buffer: erasing them after each
    // send moved the rest of a 5 MB reply ~25 times (issue 14: a third of corrald's
    // time for `jobs` with 10,000 jobs).
    c.out.erase(0, c.out_sent);
    c.out_sent = 0;
  }
  if (c.out.empty()) {
    if (c.closing) {
      drop(id);
      return;
    }
    std::string().swap(c.out);  // a large reply's buffer is not kept per idle client
    // Caught up: its buffered requests may run now.
    if (!c.processing && !c.waiting && !c.following && c.in.find('\n') != std::string::npos) queue_resume(id);
  }
  update_interest(c);
}

void ControlServer::update_interest(Client& c) {
  // Read only a client that has caught up: no reply unsent or pending, no
  // complete request buffered. A follower is read to notice its hang-up.
  bool read = !c.closing && c.out.empty() &&
              (c.following || (!c.waiting && c.in.find('\n') == std::string::npos));
  std::uint32_t want = (read ? EPOLLIN : 0u) | (c.out.empty() ? 0u : EPOLLOUT);
  if (want == c.interest) return;  // spare an epoll_ctl per reply
  if (loop_.modify(c.fd.get(), want)) c.interest = want;
}

// ---- re-exec hand-over ----------------------------------------------------

std::vector<ControlServer::ClientState> ControlServer::client_states() const {
  std::vector<ClientState> out;
  for (const auto& [id, c] : clients_) {
    if (c->closing) continue;  // its last words are not worth a hand-over
    out.push_back(ClientState{id, c->fd.get(), c->in, c->out.substr(c->out_sent), c->following});
  }
  return out;
}

Status ControlServer::listen_on(UniqueFd fd) {
  listen_fd_ = std::move(fd);
  ::fcntl(listen_fd_.get(), F_SETFL, O_NONBLOCK);
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0) socket_gid_ = st.st_gid;
  return loop_.add(listen_fd_.get(), EPOLLIN, [this](std::uint32_t) { accept_clients(); });
}

ClientId ControlServer::take_client(UniqueFd fd, std::string in, std::string out, bool waiting) {
  ::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
  Peer peer = peer_of(fd.get());
  bool trusted = peer.why_not.empty() && (peer.uid == 0 || peer.uid == ::geteuid());
  decide_privilege(peer, socket_gid_);
  ClientId id = next_id_++;
  auto c = std::make_unique<Client>();
  int raw = fd.get();
  c->fd = std::move(fd);
  c->peer = peer;
  c->trusted = trusted;
  c->in = std::move(in);
  c->out = std::move(out);
  c->waiting = waiting;
  c->last_active = std::chrono::steady_clock::now();
  if (Status st = loop_.add(raw, EPOLLIN, [this, id](std::uint32_t ev) { on_client(id, ev); }); !st) return 0;
  ++per_uid_[peer.uid];
  if (!trusted) ++untrusted_;
  clients_.emplace(id, std::move(c));
  arm_idle(id);
  // Unsent bytes go out, then buffered requests run (from the loop).
  flush(id);
  if (alive(id) && !waiting) queue_resume(id);
  return id;
}

}  // namespace corral::daemon
