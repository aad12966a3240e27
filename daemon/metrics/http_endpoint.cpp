// SPDX-License-Identifier: Apache-2.0
#include "http_endpoint.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "../daemon_log.hpp"
#include "corral/base/unique_fd.hpp"
#include "microhttpd_api.hpp"

namespace corral::daemon {

namespace {

constexpr std::size_t kConnectionMemory = 64 * 1024;  // request headers and MHD's per-connection buffers

Result<UniqueFd> open_listener(const config::ListenAddress& a) {
  const int family = a.is_unix ? AF_UNIX : a.ipv6 ? AF_INET6 : AF_INET;
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("metrics_listen: socket");
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (a.is_unix) {
    auto* un = reinterpret_cast<sockaddr_un*>(&ss);
    un->sun_family = AF_UNIX;
    std::strncpy(un->sun_path, a.path.c_str(), sizeof un->sun_path - 1);
    len = sizeof *un;
    struct stat st;
    // A stale socket file from an earlier run is replaced; anything else is left alone.
    if (::lstat(a.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(a.path.c_str());
  } else {
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a.ipv6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(a.port);
      ::inet_pton(AF_INET6, a.host.c_str(), &in6->sin6_addr);
      len = sizeof *in6;
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&ss);
      in->sin_family = AF_INET;
      in->sin_port = htons(a.port);
      ::inet_pton(AF_INET, a.host.c_str(), &in->sin_addr);
      len = sizeof *in;
    }
  }
  std::string what = a.is_unix ? a.path : a.host + ":" + std::to_string(a.port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return errno_error("metrics_listen: bind " + what);
  if (::listen(fd.get(), 128) != 0) return errno_error("metrics_listen: listen " + what);
  return fd;
}

MHD_Result respond(const MicroHttpd& mhd, MHD_Connection* c, unsigned status, const std::string& body,
                   const char* type) {
  MHD_Response* r =
      mhd.create_response_from_buffer(body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_Result ret = mhd.queue_response(c, status, r);
  mhd.destroy_response(r);
  return ret;
}

MHD_Result on_request(void* handler_ptr, MHD_Connection* c, const char* url, const char* method,
                            const char* /*version*/, const char* /*upload*/, std::size_t* upload_size,
                            void** state) {
  const auto& handler = *static_cast<const MetricsHttp::Handler*>(handler_ptr);
  const MicroHttpd& mhd = *handler.api;
  static int seen;
  if (*state == nullptr) {  // headers read; a request body (if any) comes in later calls
    *state = &seen;
    if (std::strcmp(method, MHD_HTTP_METHOD_GET) == 0 || std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
      return MHD_YES;
  }
  if (*upload_size != 0) {
    *upload_size = 0;  // a body we do not want: skip it
    return MHD_YES;
  }
  if (std::strcmp(method, MHD_HTTP_METHOD_GET) != 0 && std::strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
    return respond(mhd, c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n", "text/plain; charset=utf-8");
  if (std::strcmp(url, "/metrics") != 0)
    return respond(mhd, c, MHD_HTTP_NOT_FOUND, "corrald serves GET /metrics\n", "text/plain; charset=utf-8");
  const char* accept = mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
  MetricsHttp::Body b = (*handler.render)(accept ? accept : "");
  return respond(mhd, c, MHD_HTTP_OK, b.text, b.content_type.c_str());
}

}  // namespace

MetricsHttp::MetricsHttp(EventLoop& loop, Render render) : loop_(loop), render_(std::move(render)) {
  handler_.render = &render_;
}

MetricsHttp::~MetricsHttp() {
  if (timer_) loop_.cancel_timer(timer_);
  if (epoll_fd_ >= 0) loop_.remove(epoll_fd_);
  if (mhd_) handler_.api->stop_daemon(mhd_);  // closes the listener and every connection
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

Status MetricsHttp::listen(const config::ListenAddress& address) {
  auto api = load_microhttpd();
  if (!api) return api.error();
  handler_.api = *api;
  auto fd = open_listener(address);
  if (!fd) return fd.error();
  int raw = fd->release();  // MHD owns it from here (MHD_stop_daemon closes it)
  mhd_ = handler_.api->start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, nullptr, nullptr, &on_request, &handler_,
                                    MHD_OPTION_LISTEN_SOCKET, raw,
                                    MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,
                                    MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutS,
                                    MHD_OPTION_CONNECTION_MEMORY_LIMIT, kConnectionMemory,
                                    MHD_OPTION_END);
  if (!mhd_) {
    ::close(raw);
    return Error::logic("metrics_listen: libmicrohttpd refused to start");
  }
  const MHD_DaemonInfo* info = handler_.api->get_daemon_info(mhd_, MHD_DAEMON_INFO_EPOLL_FD);
  if (!info) return Error::logic("metrics_listen: libmicrohttpd has no epoll fd");
  epoll_fd_ = info->epoll_fd;
  if (Status st = loop_.add(epoll_fd_, EPOLLIN, [this](std::uint32_t) { run(); }); !st) return st;
  if (address.is_unix) unix_path_ = address.path;
  where_ = address.is_unix ? address.path
                           : (address.ipv6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
  return {};
}

void MetricsHttp::run() {
  handler_.api->run(mhd_);
  if (timer_) loop_.cancel_timer(timer_);
  timer_ = 0;
  MHD_UNSIGNED_LONG_LONG ms = 0;
  // MHD_NO: no connection open, nothing to time out: no timer (an idle corrald sleeps).
  if (handler_.api->get_timeout(mhd_, &ms) == MHD_YES) {
    timer_ = loop_.add_timer(std::chrono::steady_clock::now() + std::chrono::milliseconds(ms), [this] {
      timer_ = 0;
      run();
    });
  }
}

}  // namespace corral::daemon
