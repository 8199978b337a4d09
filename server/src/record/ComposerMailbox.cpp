#include "record/ComposerMailbox.h"

namespace parley::record {

bool ComposerMailbox::post(Message message) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t size = message.frame.data.size();
  if (message.kind != Message::Kind::Ended &&
      (messages_.size() >= kMaxMessages || bytes_ + size > kMaxBytes))
    return false;
  bytes_ += size;
  messages_.push_back(std::move(message));
  return true;
}

std::deque<ComposerMailbox::Message> ComposerMailbox::takeAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::deque<Message> out;
  out.swap(messages_);
  bytes_ = 0;
  return out;
}

}  // namespace parley::record
