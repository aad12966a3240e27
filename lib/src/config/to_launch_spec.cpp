// SPDX-License-Identifier: Apache-2.0
#include "corral/config/to_launch_spec.hpp"

namespace corral::config {

launch::LaunchSpec to_launch_spec(const ServiceConfig& service) {
  launch::LaunchSpec spec;
  spec.argv = service.argv;
  spec.env = service.env;
  // The launcher hands over a clean environment; without PATH, "nginx" in argv[0]
  // could not be found, so give the usual system search path.
  spec.env.emplace("PATH", kDefaultServicePath);
  // Let a program tell which instance it is (e.g. to pick a port), unless the
  // config already set these names.
  spec.env.emplace("CORRAL_SERVICE", service.name);
  spec.env.emplace("CORRAL_INSTANCE", std::to_string(service.instance));
  spec.cwd = service.cwd;
  spec.user = service.user;
  spec.group = service.unix_group;
  spec.umask = service.umask;
  if (service.sched) spec.sched = service.sched->to_spec();
  if (service.affinity) spec.cpu_affinity = service.affinity->cpus;
  spec.stdin_target = launch::StdioTarget::null();
  spec.no_new_privs = service.hardening.no_new_privs;
  spec.syscall_filter = service.hardening.syscall_filter;
  spec.capabilities = service.hardening.capabilities;
  spec.capability_bounding = service.hardening.capability_bounding;
  return spec;
}

}  // namespace corral::config
