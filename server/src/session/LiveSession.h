#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "session/Connection.h"
#include "session/Stream.h"
#include "session/Subscriber.h"
#include "store/SessionRecord.h"

namespace parley::session {

// The in-memory state of one session that has clients connected. Owned and mutated
// only by SessionManager on the control thread.
struct LiveSession {
  store::SessionRecord record;
  std::vector<std::string> connectionOrder;  // join order, for the connect state
  std::map<std::string, Connection, std::less<>> connections;
  std::vector<std::string> streamOrder;
  std::map<std::string, Stream, std::less<>> streams;
  std::map<std::string, Subscriber, std::less<>> subscribers;  // by subscriber id
  bool muteAllActive = false;
  std::set<std::string, std::less<>> muteExclusions;

  // "/v2/partner/{key}/session/{sid}"
  std::string uri() const;
  std::string connectionUri(std::string_view connectionId) const;
  std::string streamUri(std::string_view streamId) const;
  std::string subscriberUri(std::string_view streamId, std::string_view subscriberId) const;

  const Connection* connection(std::string_view id) const;
  const Stream* stream(std::string_view id) const;
};

}  // namespace parley::session
