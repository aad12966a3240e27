// SPDX-License-Identifier: Apache-2.0
#include "corral/config/config_files.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string_view>

namespace corral::config {

namespace {

std::int64_t nanoseconds(const timespec& t) { return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

ConfigStamp::File stamp_file(const std::string& path) {
  ConfigStamp::File f;
  f.path = path;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    f.error = errno;
    return f;
  }
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.size = st.st_size;
  f.mtime_ns = nanoseconds(st.st_mtim);
  f.ctime_ns = nanoseconds(st.st_ctim);
  return f;
}

}  // namespace

ConfDListing list_conf_d(const std::string& main_path) {
  ConfDListing out;
  const std::filesystem::path dir = std::filesystem::path(main_path).parent_path() / "conf.d";
  out.folder = dir.string();
  DIR* d = ::opendir(out.folder.c_str());
  if (!d) {
    if (errno != ENOENT) out.error = errno;
    return out;
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.empty() || n.front() == '.' || n.size() <= 5 || n.substr(n.size() - 5) != ".toml") continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) out.paths.push_back((dir / n).string());
  return out;
}

ConfigStamp stamp_config(const std::string& main_path) {
  ConfigStamp s;
  s.files.push_back(stamp_file(main_path));
  ConfDListing conf_d = list_conf_d(main_path);
  s.files.push_back(stamp_file(conf_d.folder));
  for (const std::string& p : conf_d.paths) s.files.push_back(stamp_file(p));
  return s;
}

}  // namespace corral::config
