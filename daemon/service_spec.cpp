#include "service_spec.hpp"

namespace corral::daemon {

bool ServiceSpec::same_as(const ServiceSpec& o) const {
  const auto& p = policy;
  const auto& q = o.policy;
  return name == o.name && argv == o.argv && env == o.env && cwd == o.cwd && user == o.user &&
         unix_group == o.unix_group && umask == o.umask && autostart == o.autostart &&
         stop_signal == o.stop_signal && after == o.after && p.restart == q.restart &&
         p.start_secs == q.start_secs && p.backoff_initial == q.backoff_initial && p.backoff_max == q.backoff_max &&
         p.start_limit_burst == q.start_limit_burst && p.start_limit_interval == q.start_limit_interval &&
         p.stop_timeout == q.stop_timeout;
}

}  // namespace corral::daemon
