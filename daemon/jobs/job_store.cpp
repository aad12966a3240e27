// SPDX-License-Identifier: Apache-2.0
#include "job_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "corral/base/file_read.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::daemon {

std::string jobs_file_path(const std::string& state_dir) { return state_dir + "/jobs.json"; }

Status write_jobs_file(const std::string& state_dir, const nlohmann::json& doc) {
  const std::string path = jobs_file_path(state_dir);
  const std::string tmp = path + ".tmp";
  const std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return errno_error("open " + tmp);
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = errno_error("write " + tmp);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    Error e = errno_error("fsync " + tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = errno_error("rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return e;
  }
  UniqueFd dfd(::open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) return errno_error("open " + state_dir);
  if (::fsync(dfd.get()) != 0) return errno_error("fsync " + state_dir);
  return {};
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
