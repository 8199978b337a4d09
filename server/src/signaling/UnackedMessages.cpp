#include "signaling/UnackedMessages.h"

namespace parley::signaling {

void UnackedMessages::push(std::string transactionId, std::string frame) {
  const std::uint64_t seq = firstSeq_ + entries_.size();
  if (auto [it, inserted] = bySeq_.try_emplace(transactionId, seq); !inserted) {
    // Ids are unique per server; a repeat replaces nothing and is not kept twice.
    return;
  }
  bytes_ += frame.size();
  ++count_;
  entries_.push_back(Entry{std::move(transactionId), std::move(frame), true});
  // Acknowledged slots behind an old pending one are cheap but not free: cap them too.
  while (count_ > limits_.maxCount || bytes_ > limits_.maxBytes ||
         entries_.size() > 4 * limits_.maxCount + 16) {
    if (entries_.front().pending) ++forgotten_;
    popFront();
  }
}

bool UnackedMessages::ack(std::string_view transactionId) {
  auto it = bySeq_.find(transactionId);
  if (it == bySeq_.end()) return false;
  Entry& e = entries_[it->second - firstSeq_];
  bytes_ -= e.frame.size();
  --count_;
  e.pending = false;
  std::string().swap(e.frame);
  bySeq_.erase(it);
  while (!entries_.empty() && !entries_.front().pending) popFront();
  return true;
}

void UnackedMessages::popFront() {
  Entry& e = entries_.front();
  if (e.pending) {
    bytes_ -= e.frame.size();
    --count_;
    bySeq_.erase(e.transactionId);
  }
  entries_.pop_front();
  ++firstSeq_;
}

void UnackedMessages::forEach(const std::function<void(const std::string& frame)>& fn) const {
  for (const auto& e : entries_)
    if (e.pending) fn(e.frame);
}

}  // namespace parley::signaling
