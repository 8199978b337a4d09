#pragma once

#include "app/Config.h"

namespace parley::app {

// parleyd's wiring: storage, first-start project, the HTTP server on the control
// thread's io_context, and clean shutdown on SIGINT/SIGTERM.
class Server {
 public:
  explicit Server(Config config) : config_(std::move(config)) {}
  // Runs until a shutdown signal. Returns the process exit code.
  int run();

 private:
  Config config_;
};

}  // namespace parley::app
