// SPDX-License-Identifier: Apache-2.0
// The files a config is made of (the main file and the *.toml files of the
// conf.d folder next to it), and a stamp of what they are on disk.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace corral::config {

// conf.d/*.toml next to main_path, sorted by name, hidden files skipped.
struct ConfDListing {
  std::string folder;
  std::vector<std::string> paths;
  int error = 0;  // errno of a folder that exists but cannot be read (ENOENT is no error)
};
ConfDListing list_conf_d(const std::string& main_path);

// Each file of a config (and the conf.d folder) by device, inode, size and
// modification and change times. A write or a rename changes a file's change
// time, and adding or removing a file changes the folder's, so two equal stamps
// taken before and after a load mean the load read these very bytes, and a
// later equal stamp means loading again would read them again. The config
// module reads nothing else (it never looks up users or groups), so it would
// give the same answer. corrald uses this to skip checking an unchanged config
// again before a daemon-reexec, inside the time its control socket does not answer.
struct ConfigStamp {
  struct File {
    std::string path;
    int error = 0;  // errno of stat (ENOENT: not there)
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    bool operator==(const File&) const = default;
  };
  std::vector<File> files;  // the main file, the conf.d folder, then its files in order
  bool operator==(const ConfigStamp&) const = default;
};
ConfigStamp stamp_config(const std::string& main_path);

}  // namespace corral::config
