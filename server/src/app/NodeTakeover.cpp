#include "app/NodeTakeover.h"

#include "obs/Logger.h"

namespace parley::app {

NodeTakeover::Result NodeTakeover::takeOver(const std::string& nodeId, std::int64_t nowMs) {
  store::StoreLocation theirs = ours_;
  theirs.nodeId = nodeId;
  auto store = store::openStore(theirs);
  Result result;
  result.claimsReleased = store->releaseClaims();
  session::CallbackRecorder recorder(*store, nudge_);
  result.eventsClosedOut = recorder.closeOutOpen(session::CallbackRecorder::kFailure);
  for (const char* status : {"started", "stopped"}) {
    for (auto archive : store->archivesWithStatus(status)) {
      archive.status = "failed";
      archive.reason = "node " + nodeId + " stopped while recording";
      archive.updatedAtMs = nowMs;
      if (!store->updateArchive(archive)) continue;
      ++result.archivesFailed;
      recorder.archiveChanged(archive.apiKey, archiveJson_(archive));
    }
  }
  obs::Logger::warn("took over a silent node",
                    {{"node", nodeId},
                     {"claimsReleased", static_cast<long long>(result.claimsReleased)},
                     {"eventsClosedOut", static_cast<long long>(result.eventsClosedOut)},
                     {"archivesFailed", static_cast<long long>(result.archivesFailed)}});
  return result;
}

}  // namespace parley::app
