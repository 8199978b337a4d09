#pragma once

#include <cstdint>
#include <string>

namespace parley::signaling {

// Transaction ids for server MESSAGE frames: unique for the life of the process and
// shaped like a UUID (what clients see from OpenTok). They carry no authority (an
// acknowledgement only counts on the socket that owns the connection), so a random
// per-process prefix and a counter are enough, and far cheaper than a UUID per delivery.
class TransactionIds {
 public:
  TransactionIds();
  std::string next();

 private:
  std::uint64_t prefix_;
  std::uint64_t counter_ = 0;
};

}  // namespace parley::signaling
