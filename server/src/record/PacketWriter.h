#pragma once

#include <cstdint>

#include "record/PacketRing.h"

namespace parley::record {

// What a recorder thread does with one recorded stream's packets: the archive's file
// writer implements it. Called on the recorder thread only, so it may block on the disk.
class PacketWriter {
 public:
  virtual ~PacketWriter() = default;

  // The packets in the order the worker queued them; `packet` is valid during the call.
  virtual void write(const PacketRing::Packet& packet) = 0;
  // The stream ended (its ring was closed and drained, or the recorder stops); no call
  // follows. `dropped`: packets the worker could not queue because the ring was full.
  virtual void finish(uint64_t dropped) = 0;
};

}  // namespace parley::record
