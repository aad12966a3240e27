// SPDX-License-Identifier: Apache-2.0
// The control socket: a non-blocking Unix stream listener and its clients.
// Each client has its own input and output buffers; a line longer than
// protocol::kMaxLine, unsent replies past the client's cap, or an idle client
// past the timeout is dropped. The server never blocks on a client.
//
// Hostile neighbours (issue 9): connections are limited per uid, with a share
// of the limit that only root and corrald's own uid may use; a client with
// unread replies or a pending request is not read from until it catches up;
// each loop turn serves a client at most kRequestsPerTurn requests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <optional>
#include <unordered_map>
#include <vector>

#include "corral/base/result.hpp"
#include "corral/base/unique_fd.hpp"
#include "corral/protocol/protocol.hpp"
#include "event_loop.hpp"

namespace corral::daemon {

using ClientId = std::uint64_t;

struct Peer {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  bool privileged = false;   // may change state
  std::string why_not;       // when not privileged: the reason given on a refusal
};

class ControlServer {
 public:
  // Unsent bytes a client may leave unread (one reply may be larger: it is
  // never cut; a log follower past it is dropped with a last message).
  static constexpr std::size_t kMaxUnsent = 256 * 1024;
  static constexpr std::size_t kMaxUnsentTrusted = 8 * 1024 * 1024;  // root and corrald's uid
  static constexpr int kRequestsPerTurn = 4;
  static constexpr std::size_t kReadPerTurn = 16 * 1024;

  // Handles one request. Reply now with server.reply(), or later (deferred):
  // the client's further requests wait until that reply is sent.
  using Handler = std::function<void(ClientId, const Peer&, const protocol::Request&)>;

  ControlServer(EventLoop& loop, const std::string& path, int idle_timeout_s, int max_clients, Handler handler);
  ~ControlServer();

  Status listen();
  void reply(ClientId id, const protocol::Response& r);
  // A reply already encoded (one line ending with '\n', e.g. the streamed status reply).
  void reply_line(ClientId id, std::string line);
  // Raw bytes (log chunks for a follower). Returns false if the client is gone.
  bool send_raw(ClientId id, std::string_view data);
  // A follower is not timed out and takes no further requests.
  void set_following(ClientId id, bool following);
  bool alive(ClientId id) const { return clients_.count(id) > 0; }
  // Bytes queued for a client that its socket has not taken yet (0 when gone): a follower's lag.
  std::size_t backlog(ClientId id) const {
    auto it = clients_.find(id);
    return it == clients_.end() ? 0 : it->second->out.size();
  }
  void drop(ClientId id);
  // Connections a uid other than root and corrald's may hold, and how many of
  // max_clients those uids may hold together (the rest is root's reserve).
  int per_uid_limit() const;
  int shared_limit() const;
  // Closed when unread data has been sent.
  void close_after_flush(ClientId id);
  std::function<void(ClientId)> on_disconnect;
  const std::string& path() const { return path_; }
  void shutdown();  // close the listener and every client, remove the socket file

  // [daemon] socket_group / --socket-group, before listen(): the socket is made
  // root:GROUP 0660 instead of 0666, so only root and the group can connect.
  void set_socket_group(gid_t gid) { wanted_group_ = gid; }

  // Re-exec (daemon/reexec/): the listener and the clients handed to the new
  // corrald as descriptors and buffers, and taken over by it.
  struct ClientState {
    ClientId id = 0;
    int fd = -1;
    std::string in, out;
    bool following = false;
  };
  int listen_fd() const { return listen_fd_.get(); }
  std::vector<ClientState> client_states() const;
  // An inherited socket, already bound to path() and listening.
  Status listen_on(UniqueFd fd);
  // An inherited connection with what was read and not handled, and what was
  // not yet sent. waiting: a reply is owed to it (reply() sends it).
  ClientId take_client(UniqueFd fd, std::string in, std::string out, bool waiting);

 private:
  struct Client {
    UniqueFd fd;
    Peer peer;
    std::string in, out;
    std::size_t out_sent = 0;  // the bytes of `out` already sent (out.empty(): all of it)
    bool waiting = false;     // a deferred reply is pending
    bool following = false;
    bool closing = false;
    bool processing = false;  // inside process_lines: a reply needs no wake-up
    bool resume_queued = false;  // a timer will serve its buffered requests
    bool trusted = false;        // root or corrald's uid: the reserve, a larger cap
    SteadyTime last_active;
    TimerId idle_timer = 0;
    std::uint32_t interest = EPOLLIN;
  };
  void accept_clients();
  void on_client(ClientId id, std::uint32_t events);
  void process_lines(ClientId id);
  void flush(ClientId id);
  void update_interest(Client& c);
  void queue_resume(ClientId id);
  bool admit(uid_t uid, bool trusted, std::string& why) const;
  void arm_idle(ClientId id);
  Peer peer_of(int fd) const;

  EventLoop& loop_;
  std::string path_;
  int idle_timeout_s_;
  int max_clients_;
  Handler handler_;
  UniqueFd listen_fd_;
  gid_t socket_gid_ = 0;
  std::optional<gid_t> wanted_group_;
  std::unordered_map<ClientId, std::unique_ptr<Client>> clients_;
  std::unordered_map<uid_t, int> per_uid_;  // open connections by uid
  int untrusted_ = 0;                      // of them, not root's nor corrald's
  ClientId next_id_ = 1;
};

}  // namespace corral::daemon
