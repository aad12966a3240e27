// SPDX-License-Identifier: Apache-2.0
#include "microhttpd_api.hpp"

#include <dlfcn.h>

#include <optional>
#include <string>

namespace corral::daemon {

namespace {

// The library's file name (SONAME), found at build time from the one CMake
// found (daemon/CMakeLists.txt).
constexpr const char* kLibrary = CORRAL_MICROHTTPD_SONAME;

template <typename Fn>
bool resolve(void* lib, const char* symbol, Fn& fn) {
  fn = reinterpret_cast<Fn>(::dlsym(lib, symbol));
  return fn != nullptr;
}

Result<MicroHttpd> open_library() {
  void* lib = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!lib) return Error::logic(std::string("metrics_listen: cannot load ") + kLibrary + ": " + ::dlerror());
  MicroHttpd api{};
  const bool all = resolve(lib, "MHD_start_daemon", api.start_daemon) &&
                   resolve(lib, "MHD_stop_daemon", api.stop_daemon) &&
                   resolve(lib, "MHD_get_daemon_info", api.get_daemon_info) && resolve(lib, "MHD_run", api.run) &&
                   resolve(lib, "MHD_get_timeout", api.get_timeout) &&
                   resolve(lib, "MHD_lookup_connection_value", api.lookup_connection_value) &&
                   resolve(lib, "MHD_create_response_from_buffer", api.create_response_from_buffer) &&
                   resolve(lib, "MHD_add_response_header", api.add_response_header) &&
                   resolve(lib, "MHD_queue_response", api.queue_response) &&
                   resolve(lib, "MHD_destroy_response", api.destroy_response);
  if (!all) {
    const char* error = ::dlerror();
    std::string why = std::string("metrics_listen: ") + kLibrary + ": " + (error ? error : "a function is missing");
    ::dlclose(lib);
    return Error::logic(why);
  }
  return api;  // the library stays loaded for corrald's lifetime
}

}  // namespace

Result<const MicroHttpd*> load_microhttpd() {
  // Loaded once; a failure is tried again at the next listen (a reload after
  // the package was installed).
  static std::optional<MicroHttpd> loaded;
  if (!loaded) {
    auto api = open_library();
    if (!api) return api.error();
    loaded = *api;
  }
  return &*loaded;
}

}  // namespace corral::daemon
