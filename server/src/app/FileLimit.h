#pragma once

#include <cstddef>

namespace parley::app {

// The process's open-file limit. Most systems start processes with a soft limit of 1024
// and a much higher hard limit; a server holding one descriptor per client raises the
// soft limit to the hard one at start.
class FileLimit {
 public:
  struct Limits {
    std::size_t soft = 0;
    std::size_t hard = 0;
  };
  // Raises the soft limit to the hard limit; returns the limits in force afterwards.
  static Limits raise();
  // How many client connections fit under `soft` descriptors, keeping a share for the
  // media workers' sockets, the database, webhooks and files.
  static std::size_t connectionBudget(std::size_t soft);
};

}  // namespace parley::app
