#include "http/OutputBuffer.h"

#include <algorithm>

namespace parley::http {

void OutputBuffer::append(std::string_view bytes) {
  size_ += bytes.size();
  while (!bytes.empty()) {
    if (first_ == blocks_.size() || backSealed_ || blocks_.back().size() == kBlockBytes) {
      blocks_.emplace_back();
      // Small to start with (most sockets get a reply or two); it grows up to a block.
      blocks_.back().reserve(std::min(kBlockBytes, std::max<std::size_t>(bytes.size(), 512)));
      backSealed_ = false;
    }
    std::string& back = blocks_.back();
    const std::size_t take = std::min(bytes.size(), kBlockBytes - back.size());
    back.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
  }
}

std::string_view OutputBuffer::front() {
  if (empty()) return {};
  if (first_ + 1 == blocks_.size()) backSealed_ = true;
  return std::string_view(blocks_[first_]).substr(offset_);
}

void OutputBuffer::consume(std::size_t bytes) {
  size_ -= bytes;
  offset_ += bytes;
  if (offset_ < blocks_[first_].size()) return;
  offset_ = 0;
  std::string().swap(blocks_[first_]);
  ++first_;
  if (first_ == blocks_.size()) {
    clear();
  } else if (first_ > 16 && first_ * 2 > blocks_.size()) {
    blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(first_));
    first_ = 0;
  }
}

void OutputBuffer::clear() {
  std::vector<std::string>().swap(blocks_);
  first_ = 0;
  offset_ = 0;
  size_ = 0;
  backSealed_ = false;
}

}  // namespace parley::http
