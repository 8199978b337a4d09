#pragma once

#include <stdexcept>

namespace parley::cluster {

// Redis could not be reached, timed out, or answered a command with an error.
class RedisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace parley::cluster
