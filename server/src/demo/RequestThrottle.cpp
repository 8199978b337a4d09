#include "demo/RequestThrottle.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <optional>

namespace parley::demo {

namespace {

// "1.2.3.4:5", "[::1]:5", "::1:5" (how the listener formats IPv6 without brackets),
// "1.2.3.4" or "::1" → the address, if any reading of the text is one.
std::optional<boost::asio::ip::address> parseRemote(std::string_view remote) {
  boost::system::error_code ec;
  if (!remote.empty() && remote.front() == '[') {
    const auto close = remote.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto address = boost::asio::ip::make_address(remote.substr(1, close - 1), ec);
    if (ec) return std::nullopt;
    return address;
  }
  // Without brackets the port, when there is one, follows the last colon.
  if (const auto colon = remote.rfind(':'); colon != std::string_view::npos) {
    auto address = boost::asio::ip::make_address(remote.substr(0, colon), ec);
    const bool portFollows = colon + 1 < remote.size() &&
                             std::all_of(remote.begin() + static_cast<std::ptrdiff_t>(colon) + 1,
                                         remote.end(), [](char c) { return c >= '0' && c <= '9'; });
    // A bare IPv6 address ending in digits would lose its last group here; the listener
    // always appends the port, so that reading is the one to prefer.
    if (!ec && portFollows) return address;
  }
  auto address = boost::asio::ip::make_address(remote, ec);
  if (ec) return std::nullopt;
  return address;
}

}  // namespace

RequestThrottle::RequestThrottle(Limits limits) : limits_(limits) {
  limits_.maxAddresses = std::max<std::size_t>(limits_.maxAddresses, 1);
  global_.tokens = limits_.globalBurst;
  global_.updated = -1;  // set on first use
}

std::string RequestThrottle::clientKey(std::string_view remote) {
  const auto address = parseRemote(remote);
  if (!address) return std::string(remote);
  if (address->is_v4()) return address->to_string();
  const auto v6 = address->to_v6();
  if (v6.is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

void RequestThrottle::refill(Bucket& bucket, double rate, double burst, double now) {
  if (now > bucket.updated) {
    bucket.tokens = std::min(burst, bucket.tokens + (now - bucket.updated) * rate);
    bucket.updated = now;
  }
}

void RequestThrottle::makeRoom(double now) {
  // Buckets that would be full by now carry no memory of anything: forget them.
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& b = entry.second;
    return b.tokens + (now - b.updated) * limits_.perAddressRate >= limits_.perAddressBurst;
  });
  if (buckets_.size() < limits_.maxAddresses) return;
  auto oldest = std::min_element(
      buckets_.begin(), buckets_.end(),
      [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
  buckets_.erase(oldest);
}

double RequestThrottle::admit(std::string_view remote, double now) {
  if (global_.updated < 0) global_.updated = now;
  refill(global_, limits_.globalRate, limits_.globalBurst, now);

  std::string key = clientKey(remote);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limits_.maxAddresses) makeRoom(now);
    it = buckets_.emplace(std::move(key), Bucket{limits_.perAddressBurst, now}).first;
  }
  Bucket& own = it->second;
  refill(own, limits_.perAddressRate, limits_.perAddressBurst, now);

  auto wait = [](const Bucket& b, double rate) {
    return b.tokens >= 1 ? 0.0 : (1 - b.tokens) / std::max(rate, 1e-9);
  };
  const double needed =
      std::max(wait(own, limits_.perAddressRate), wait(global_, limits_.globalRate));
  if (needed > 0) return needed;
  own.tokens -= 1;
  global_.tokens -= 1;
  return 0;
}

}  // namespace parley::demo
