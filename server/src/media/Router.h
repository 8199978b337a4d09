#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "media/MediaCounters.h"
#include "media/Publication.h"
#include "media/Subscription.h"

namespace parley::media {

class Worker;

// The media side of one routed session on its worker: its publications and subscriptions.
class Router {
 public:
  Router(Worker& worker, std::string sessionId);
  ~Router();

  const std::string& sessionId() const { return sessionId_; }
  Worker& worker() { return worker_; }
  MediaCounters& counters();
  int64_t nowUs() const;
  // Test-only loss (--rtc-test-loss); a plain flag test on the packet path when off.
  bool dropForTest() { return testLoss_ && dropForTestSlow(); }

  Publication& addPublication(std::unique_ptr<Publication> p);
  Subscription& addSubscription(std::unique_ptr<Subscription> s);
  Publication* publication(const std::string& streamId);
  Subscription* subscription(const std::string& subscriberId);
  void removePublication(const std::string& streamId);
  void removeSubscription(const std::string& subscriberId);
  bool empty() const { return publications_.empty() && subscriptions_.empty(); }
  const std::map<std::string, std::unique_ptr<Publication>>& publications() const {
    return publications_;
  }
  const std::map<std::string, std::unique_ptr<Subscription>>& subscriptions() const {
    return subscriptions_;
  }

  // Upward news from the publications and subscriptions.
  void publicationConnected(Publication& p);
  void subscriptionConnected(Subscription& s);

  // Timers; removes (and reports) what closed.
  void tick(int64_t nowUs);

 private:
  bool dropForTestSlow();

  Worker& worker_;
  std::string sessionId_;
  bool testLoss_ = false;
  std::map<std::string, std::unique_ptr<Publication>> publications_;
  std::map<std::string, std::unique_ptr<Subscription>> subscriptions_;
};

}  // namespace parley::media
