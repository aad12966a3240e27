// SPDX-License-Identifier: Apache-2.0
// GET /metrics over HTTP, on TCP or a Unix socket ([daemon] metrics_listen).
//
// The HTTP side is GNU libmicrohttpd (Debian's libmicrohttpd12, loaded at the
// first listen: microhttpd_api.hpp): it parses
// requests and writes responses non-blocking, with no thread of its own in the
// MHD_USE_EPOLL mode. Its epoll fd sits in corrald's loop, which calls MHD_run
// when it is readable and when MHD's own timeout (an open connection's idle
// limit) comes due, so an idle corrald with no scraper has no wake-up at all.
// A slow or hostile scraper costs a bounded buffer: connections are capped,
// each has a memory limit and an idle timeout, and nothing ever blocks.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "../event_loop.hpp"
#include "corral/base/result.hpp"
#include "corral/config/listen_address.hpp"

struct MHD_Daemon;

namespace corral::daemon {

struct MicroHttpd;

class MetricsHttp {
 public:
  struct Body {
    std::string text;
    std::string content_type;
  };
  // Renders the exposition for a scraper's Accept header.
  using Render = std::function<Body(std::string_view accept)>;

  static constexpr unsigned kMaxConnections = 128;
  static constexpr unsigned kIdleTimeoutS = 10;

  // What a request is answered with: the library's functions (loaded at the
  // first listen()) and the renderer.
  struct Handler {
    const MicroHttpd* api = nullptr;
    const Render* render = nullptr;
  };

  MetricsHttp(EventLoop& loop, Render render);
  ~MetricsHttp();
  MetricsHttp(const MetricsHttp&) = delete;
  MetricsHttp& operator=(const MetricsHttp&) = delete;

  Status listen(const config::ListenAddress& address);
  std::string where() const { return where_; }

 private:
  void run();  // lets MHD work, then arms a timer for its next timeout, if any

  EventLoop& loop_;
  Render render_;
  Handler handler_;
  MHD_Daemon* mhd_ = nullptr;
  int epoll_fd_ = -1;  // MHD's, watched by our loop
  TimerId timer_ = 0;
  std::string unix_path_;  // removed on shutdown
  std::string where_;
};

}  // namespace corral::daemon
