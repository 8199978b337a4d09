#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "load/LoadOptions.h"
#include "load/LoadPeer.h"
#include "load/LoadReport.h"
#include "load/MediaLoop.h"

namespace parley::load {

// One `parley load` run: makes (or reuses) the clips, creates a session, starts the
// publishers at the ramp rate and waits for their streams, then the subscribers, waits
// until every subscription is connected (or has failed or timed out), measures for the
// asked duration and tears everything down. Signaling runs on one thread (Asio), media on
// --threads MediaLoops; progress goes to stderr.
class LoadRunner {
 public:
  explicit LoadRunner(LoadOptions options);
  ~LoadRunner();
  LoadRunner(const LoadRunner&) = delete;
  LoadRunner& operator=(const LoadRunner&) = delete;

  // Throws std::runtime_error when the run cannot start (no clips, no session).
  LoadReport run();

 private:
  struct Client;
  friend struct Client;

  void prepareMedia();
  std::string createSession();
  void startClients(bool publishers, size_t count);
  void startClient(bool publisher, size_t index);
  size_t settledSubscriptions(size_t& connected, size_t& failed);
  void measure(LoadReport& report);
  void progress(const std::string& line);
  void addError(const std::string& message);

  LoadOptions options_;
  boost::asio::io_context io_;
  std::vector<std::unique_ptr<MediaLoop>> loops_;
  std::shared_ptr<const media::dtls::DtlsCertificate> certificate_;
  LoadPeer::PublisherMedia media_;
  std::string sessionId_;
  size_t nextLoop_ = 0;

  // Signaling thread only.
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::string> streams_;

  // Written on the signaling thread, read by the main thread.
  std::atomic<size_t> publishersDone_{0};
  std::atomic<size_t> joined_{0};
  std::atomic<size_t> joinFailed_{0};
  std::atomic<size_t> subscriptionsAsked_{0};
  std::atomic<size_t> subscriptionsRefused_{0};
  std::mutex errorsMutex_;
  std::vector<std::string> errors_;
  std::vector<int64_t> joinUs_;  // under errorsMutex_
};

}  // namespace parley::load
