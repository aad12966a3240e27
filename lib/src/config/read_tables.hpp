// SPDX-License-Identifier: Apache-2.0
// Internal to the config loader: one reader per kind of table. Each applies what
// it finds onto a struct that already holds the defaults, and reports problems
// to the sink.
#pragma once

#include <optional>

#include "corral/config/queue_config.hpp"
#include "table_reader.hpp"

namespace corral::config::detail {

// A [service.NAME] before instance expansion, with what validation needs later.
struct ServiceTemplate {
  ServiceConfig config;                    // name == template_name, instance 0
  std::optional<std::uint64_t> log_max_size;  // per-service overrides, resolved later
  std::optional<unsigned> log_keep;
  unsigned instances = 1;
  const toml::table* table = nullptr;      // for error places
};

// Names of services and groups end up in cgroup paths, log file names and
// "NAME@N" instance names: letters, digits, '_', '-', '.', not starting with '.'.
bool valid_unit_name(std::string_view name);

// [daemon]: keys already set by an earlier file are reported as duplicates.
void read_daemon(ErrorSink& sink, const toml::table& table, DaemonConfig& out,
                 std::map<std::string, toml::source_region>& seen_keys);
// [daemon] metrics_listen (read_metrics_listen.cpp).
void read_metrics_listen(const TableReader& r, DaemonConfig& out);
// [daemon] socket_group (read_socket_group.cpp).
void read_socket_group(const TableReader& r, DaemonConfig& out);
GroupConfig read_group(ErrorSink& sink, const std::string& name, const toml::table& table);
// service.NAME.parent_death_signal (read_parent_death_signal.cpp).
void read_parent_death_signal(const TableReader& r, ServiceConfig& s);
// syscall_filter, syscall_action, syscall_filter_mode, no_new_privs, capabilities,
// capability_bounding (read_hardening.cpp).
inline constexpr std::string_view kHardeningKeys[] = {"syscall_filter", "syscall_action", "syscall_filter_mode",
                                                      "no_new_privs",   "capabilities",   "capability_bounding"};
void read_hardening(const TableReader& r, ServiceConfig& s);
ServiceTemplate read_service(ErrorSink& sink, const std::string& name, const toml::table& table);
// Readiness keys of a service (read_readiness.cpp), and its `requires` names checked against the services.
void read_readiness(ErrorSink& sink, const TableReader& r, ServiceConfig& s);
void check_requires(ErrorSink& sink, const std::map<std::string, ServiceTemplate>& tpls);
QueueConfig read_queue(ErrorSink& sink, const std::string& name, const toml::table& table);  // read_queue.cpp

}  // namespace corral::config::detail
