// SPDX-License-Identifier: Apache-2.0
// libmicrohttpd, loaded with dlopen() when corrald first listens for scrapers
// ([daemon] metrics_listen), not linked. Linked, it and what it links (GnuTLS,
// nettle, hogweed, gmp, p11-kit, idn2, unistring, tasn1, ffi) were 10 of
// corrald's 17 libraries, mapped, relocated and initialised (GnuTLS reads its
// config) at every start, metrics or not: a cost a restarted corrald paid
// before it could re-adopt its services. systemd loads its optional libraries
// the same way.
#pragma once

#include <microhttpd.h>

#include "corral/base/result.hpp"

namespace corral::daemon {

// The libmicrohttpd functions corrald calls, by their names without "MHD_".
struct MicroHttpd {
  decltype(&::MHD_start_daemon) start_daemon;
  decltype(&::MHD_stop_daemon) stop_daemon;
  decltype(&::MHD_get_daemon_info) get_daemon_info;
  decltype(&::MHD_run) run;
  decltype(&::MHD_get_timeout) get_timeout;
  decltype(&::MHD_lookup_connection_value) lookup_connection_value;
  decltype(&::MHD_create_response_from_buffer) create_response_from_buffer;
  decltype(&::MHD_add_response_header) add_response_header;
  decltype(&::MHD_queue_response) queue_response;
  decltype(&::MHD_destroy_response) destroy_response;
};

// Loads the library the first time (it stays loaded); an error names it and
// says what dlopen() or dlsym() said.
Result<const MicroHttpd*> load_microhttpd();

}  // namespace corral::daemon
