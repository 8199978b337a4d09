#pragma once

#include <cstdint>
#include <string>

namespace parley::store {

// One webhook POST waiting to be delivered. Rows outlive the process, so deliveries
// interrupted by a restart are retried by the next run.
struct OutboxEntry {
  std::int64_t id = 0;  // assigned by the store
  std::string apiKey;
  std::string url;
  std::string body;  // JSON text
  // The event's id, the same on every attempt (and for every URL the event goes to), so
  // a receiver can drop a delivery it has already processed.
  std::string eventId;
  int attempts = 0;  // failed attempts so far
  std::int64_t nextAttemptAtMs = 0;
  std::int64_t createdAtMs = 0;
  std::string lastError;
};

}  // namespace parley::store
