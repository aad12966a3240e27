// SPDX-License-Identifier: Apache-2.0
#include "fs_util.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "corral/base/file_read.hpp"
#include "corral/base/unique_fd.hpp"

namespace corral::cgroup::detail {

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

Result<std::string> read_trimmed(const std::string& path) {
  auto r = read_file(path);
  if (!r) return r.error();
  return trim(*r);
}

namespace {

Result<std::uint64_t> parse_u64(std::string_view text, const std::string& path) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.remove_suffix(1);
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size())
    return Error::logic(path + ": not a number: \"" + std::string(text) + "\"", EINVAL);
  return v;
}

}  // namespace

Result<std::uint64_t> read_u64(const std::string& path) {
  auto r = read_file(path);
  if (!r) return r.error();
  return parse_u64(*r, path);
}

Result<std::uint64_t> read_u64(const std::string& path, KeptFiles* kept) {
  if (!kept) return read_u64(path);
  auto r = kept->read(path);
  if (!r) return r.error();
  return parse_u64(*r, path);
}

Result<std::string> read_text(const std::string& path, KeptFiles* kept) {
  if (!kept) return read_file(path);
  auto r = kept->read(path);
  if (!r) return r.error();
  return std::string(*r);
}

std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      std::string_view v = line.substr(key.size() + 1);
      std::uint64_t out = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
      if (ec == std::errc()) return out;
    }
  }
  return std::nullopt;
}

Result<std::vector<pid_t>> read_pids(const std::string& procs_file) {
  auto r = read_file(procs_file);
  if (!r) return r.error();
  std::vector<pid_t> pids;
  const char* p = r->data();
  const char* end = p + r->size();
  while (p < end) {
    while (p < end && (*p == '\n' || *p == ' ')) ++p;
    if (p >= end) break;
    pid_t pid = 0;
    auto [q, ec] = std::from_chars(p, end, pid);
    if (ec != std::errc()) return Error::logic(procs_file + ": bad pid list", EINVAL);
    pids.push_back(pid);
    p = q;
  }
  return pids;
}

namespace {
// Makes dir, and its missing parents below base first. The deepest mkdir is tried
// first: a service's cgroup is nearly always one new directory under a group
// that exists, so one mkdir per hierarchy instead of one per path level.
Status make_dir(std::size_t base_size, const std::string& dir, const std::function<Status(const std::string&)>& after) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::mkdir(dir.c_str(), 0755) == 0) return after ? after(dir) : Status{};
    if (errno == EEXIST) return {};
    const std::size_t slash = dir.rfind('/');
    if (errno != ENOENT || attempt == 1 || slash == std::string::npos || slash <= base_size) break;
    if (auto st = make_dir(base_size, dir.substr(0, slash), after); !st) return st;
  }
  return errno_error("mkdir " + dir);
}
}  // namespace

Status mkdir_each(const std::string& base, const std::string& rel,
                  const std::function<Status(const std::string& dir)>& after) {
  std::string dir = base;
  std::size_t pos = 0;
  while (pos <= rel.size()) {
    std::size_t slash = rel.find('/', pos);
    std::string_view part = std::string_view(rel).substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    pos = slash == std::string::npos ? rel.size() + 1 : slash + 1;
    if (!part.empty()) (dir += '/') += part;
  }
  if (dir.size() == base.size()) return {};
  return make_dir(base.size(), dir, after);
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    if (e->d_type == DT_DIR) out.emplace_back(n);
  }
  ::closedir(d);
  return out;
}

void collect_pids(const std::string& dir, std::vector<pid_t>& out) {
  if (auto p = read_pids(dir + "/cgroup.procs")) out.insert(out.end(), p->begin(), p->end());
  for (const auto& c : subdirs(dir)) collect_pids(dir + "/" + c, out);
}

Status check_path(const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.find("..") != std::string::npos)
    return Error::logic("cgroup path \"" + rel + "\": must be relative, without \"..\"", EINVAL);
  return {};
}

Status write_knob(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) return errno_error("open " + path);
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) return errno_error("write \"" + std::string(value) + "\" to " + path);
  if (static_cast<std::size_t>(n) != value.size())
    return Error::logic("write " + path + ": short write", EIO);
  return {};
}

}  // namespace corral::cgroup::detail
