#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::signaling {

// Transaction ids for server MESSAGE frames: unique for the life of the process and
// shaped like a UUID (what clients see from OpenTok). They carry no authority (an
// acknowledgement only counts on the socket that owns the connection), so a random
// per-process prefix and a counter are enough, and far cheaper than a UUID per delivery.
class TransactionIds {
 public:
  struct Issued {
    std::uint64_t sequence;  // grows with every id issued
    std::string text;        // what goes on the wire
  };

  TransactionIds();
  Issued next();
  // The text next() gave the id with this sequence number.
  std::string text(std::uint64_t sequence) const;
  // The sequence number of an id this instance issued; nullopt for anything else.
  std::optional<std::uint64_t> sequenceOf(std::string_view text) const;

 private:
  std::uint64_t prefix_;
  std::uint64_t counter_ = 0;
};

}  // namespace parley::signaling
