#pragma once

#include <cstdint>
#include <string>

namespace parley::media {

// News from a media worker, called on the worker's thread; the implementation posts it to
// the control thread.
class WorkerEvents {
 public:
  virtual ~WorkerEvents() = default;
  virtual void publicationConnected(const std::string& sessionId, const std::string& streamId) = 0;
  virtual void publicationClosed(const std::string& sessionId, const std::string& streamId,
                                 const std::string& reason) = 0;
  virtual void subscriptionConnected(const std::string& sessionId,
                                     const std::string& subscriberId) = 0;
  virtual void subscriptionClosed(const std::string& sessionId, const std::string& subscriberId,
                                  const std::string& reason) = 0;
  // Audio fallback (media/VideoFallback): the SFU stopped (true) or resumed (false) the
  // subscriber's video because of its bandwidth.
  virtual void subscriptionVideoSuspended(const std::string& /*sessionId*/,
                                          const std::string& /*subscriberId*/, bool /*suspended*/) {
  }
  // A mirror of a stream from another node (pipe `pipeId`) heard nothing from its origin for
  // Worker::Settings::mirrorStarvedAfterUs and was removed; the subscriptions it fed get nothing
  // more.
  virtual void mirrorStarved(const std::string& /*routerKey*/, const std::string& /*streamId*/,
                             uint32_t /*pipeId*/) {}
};

}  // namespace parley::media
