#pragma once

#include <functional>
#include <string>

#include "core/Json.h"
#include "session/CallbackRecorder.h"
#include "store/ArchiveRecord.h"
#include "store/StoreFactory.h"

namespace parley::app {

// What a node does for another node of its cluster that went silent (killed, or cut off
// for longer than --node-timeout), acting for it in the shared database: the outbox rows
// it had claimed go back to everyone, the connections and streams it held get their
// "destroyed" webhooks (reason networkDisconnected, serverFailure), and the archives it
// was recording are marked failed — their files are on its disk — with their status
// callbacks. Runs once per silent node, on the node that swept it (ClusterNode).
class NodeTakeover {
 public:
  struct Result {
    std::size_t claimsReleased = 0;
    std::size_t eventsClosedOut = 0;
    std::size_t archivesFailed = 0;
  };
  using ArchiveJson = std::function<core::Json(const store::ArchiveRecord&)>;

  // `ours`: this node's store location (the takeover opens the same database as `nodeId`).
  NodeTakeover(store::StoreLocation ours, session::CallbackRecorder::Nudge nudge,
               ArchiveJson archiveJson)
      : ours_(std::move(ours)), nudge_(std::move(nudge)), archiveJson_(std::move(archiveJson)) {}

  // Throws StoreError.
  Result takeOver(const std::string& nodeId, std::int64_t nowMs);

 private:
  store::StoreLocation ours_;
  session::CallbackRecorder::Nudge nudge_;
  ArchiveJson archiveJson_;
};

}  // namespace parley::app
