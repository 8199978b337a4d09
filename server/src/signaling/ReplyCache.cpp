#include "signaling/ReplyCache.h"

namespace parley::signaling {

void ReplyCache::remember(std::string transactionId, std::string frame) {
  if (frame.size() > limits_.maxEntryBytes || frame.size() > limits_.maxBytes ||
      limits_.maxCount == 0)
    return;
  if (frames_.count(transactionId)) return;
  bytes_ += frame.size();
  order_.push_back(transactionId);
  frames_.emplace(std::move(transactionId), std::move(frame));
  while (order_.size() > limits_.maxCount || bytes_ > limits_.maxBytes) {
    auto it = frames_.find(order_.front());
    bytes_ -= it->second.size();
    frames_.erase(it);
    order_.pop_front();
  }
}

const std::string* ReplyCache::find(std::string_view transactionId) const {
  auto it = frames_.find(std::string(transactionId));
  return it == frames_.end() ? nullptr : &it->second;
}

}  // namespace parley::signaling
