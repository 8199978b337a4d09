#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/NodeRecord.h"
#include "cluster/RedisSubscriber.h"
#include "core/Json.h"
#include "media/NodeLink.h"

namespace parley::cluster {

class RedisConnection;

// The SFU's link to the other nodes (media::NodeLink) over Redis: commands and news about
// transports one node places on another (docs/cluster.md, "Sessions that span nodes") go to
// parley:media:<id> as {"from": <sender>, "message": {...}} and come out of this node's
// channel to `deliver`, on the control thread, in the order each sender published them.
// Placement reads the node records the heartbeat last listed. Control thread; the
// subscriber thread only posts.
class MediaRelay final : public media::NodeLink {
 public:
  struct Settings {
    std::string nodeId;
    std::string redisUrl;
    std::string prefix = "parley:";
    std::chrono::milliseconds heartbeat{
        1000};  // a record not renewed for 3 of these is passed over
    std::size_t maxMessageBytes = 1024 * 1024;
  };
  using Deliver = std::function<void(const std::string& from, const core::Json& message)>;

  // `redis` is the control thread's command connection (PUBLISH); `redisUp` says whether
  // it is worth trying now (the heartbeat knows).
  MediaRelay(boost::asio::io_context& io, RedisConnection& redis, Settings settings,
             std::function<bool()> redisUp);
  ~MediaRelay() override;
  MediaRelay(const MediaRelay&) = delete;
  MediaRelay& operator=(const MediaRelay&) = delete;

  void setDeliver(Deliver deliver) { deliver_ = std::move(deliver); }
  void start();
  void stop();
  // The live nodes as the heartbeat just listed them.
  void setNodes(std::vector<NodeRecord> nodes);

  // media::NodeLink
  std::optional<RemoteWorker> pickWorker(const std::map<std::string, unsigned>& mirroring,
                                         const std::string& avoid = "") override;
  std::optional<RemoteWorker> findWorker(const std::string& nodeId, unsigned worker) override;
  bool send(const std::string& nodeId, const core::Json& message) override;

  std::string channel(const std::string& nodeId) const {
    return settings_.prefix + "media:" + nodeId;
  }

 private:
  void take(const std::string& payload);
  bool usable(const NodeRecord& node) const;
  static RemoteWorker describe(const NodeRecord& node, unsigned worker);

  boost::asio::io_context& io_;
  RedisConnection& redis_;
  Settings settings_;
  std::function<bool()> redisUp_;
  Deliver deliver_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  RedisSubscriber subscriber_;
  std::vector<NodeRecord> nodes_;
  // Transports placed on each worker of a node since its record was last renewed (its
  // counts lag).
  std::map<std::string, std::vector<std::int64_t>> placedSinceRecord_;  // per worker
  // When this node last saw each node's record renewed (its own steady clock).
  std::map<std::string, std::chrono::steady_clock::time_point> renewedAt_;
};

}  // namespace parley::cluster
