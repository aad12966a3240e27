// SPDX-License-Identifier: Apache-2.0
#include "job_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "corral/base/atomic_file.hpp"
#include "corral/base/file_read.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon {

std::string jobs_file_path(const std::string& state_dir) { return state_dir + "/jobs.json"; }

Status write_jobs_file(const std::string& state_dir, const nlohmann::json& doc) {
  const std::string path = jobs_file_path(state_dir);
  const std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return write_file_atomically(state_dir, path, text);
}

Result<nlohmann::json> read_jobs_file(const std::string& state_dir) {
  const std::string path = jobs_file_path(state_dir);
  auto text = read_file(path);
  if (!text) return text.error();
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error::logic(path + ": not a JSON object");
  if (doc.value("version", 0) != kJobsFileVersion)
    return Error::logic(path + ": version " + std::to_string(doc.value("version", 0)) + " not supported (expected " +
                        std::to_string(kJobsFileVersion) + ")");
  return doc;
}

}  // namespace corral::daemon
