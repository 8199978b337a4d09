#pragma once

#include <stdexcept>

namespace parley::store {

// Thrown when the database cannot do what was asked (I/O, corruption, constraint).
// Callers at the edge (HTTP handlers, CLI) turn it into a 500 / exit code.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace parley::store
