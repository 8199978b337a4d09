#include "webhook/HostResolver.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

namespace parley::webhook {

namespace {

// More addresses than any real receiver has; the rest are not looked at.
constexpr std::size_t kMaxAddresses = 32;

struct Lookup {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  HostResolver::Result result;
};

HostResolver::Result lookUp(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  HostResolver::Result result;
  if (rc != 0) {
    result.error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return result;
  }
  for (const addrinfo* ai = list; ai && result.addresses.size() < kMaxAddresses; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      sockaddr_in in{};
      std::memcpy(&in, ai->ai_addr, sizeof in);
      boost::asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), &in.sin_addr, bytes.size());
      result.addresses.emplace_back(boost::asio::ip::address_v4(bytes));
    } else if (ai->ai_family == AF_INET6) {
      sockaddr_in6 in6{};
      std::memcpy(&in6, ai->ai_addr, sizeof in6);
      boost::asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
      result.addresses.emplace_back(boost::asio::ip::address_v6(bytes, in6.sin6_scope_id));
    }
  }
  ::freeaddrinfo(list);
  if (result.addresses.empty()) result.error = "no address for " + host;
  return result;
}

}  // namespace

HostResolver::HostResolver(std::chrono::milliseconds timeout, std::size_t maxInFlight)
    : timeout_(timeout),
      maxInFlight_(std::max<std::size_t>(maxInFlight, 1)),
      inFlight_(std::make_shared<std::atomic<std::size_t>>(0)) {}

HostResolver::Result HostResolver::resolve(const std::string& host, std::uint16_t port) const {
  boost::system::error_code notLiteral;
  const auto literal = boost::asio::ip::make_address(host, notLiteral);
  if (!notLiteral) return Result{{literal}, {}};

  // Claim a slot, or give up at once when all are taken by slow lookups.
  std::size_t running = inFlight_->load();
  do {
    if (running >= maxInFlight_)
      return Result{{}, "too many host name lookups in progress; try again"};
  } while (!inFlight_->compare_exchange_weak(running, running + 1));

  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, inFlight = inFlight_, host, port] {
      Result result = lookUp(host, port);
      {
        std::lock_guard lock(lookup->mutex);
        lookup->result = std::move(result);
        lookup->finished = true;
      }
      lookup->done.notify_all();
      inFlight->fetch_sub(1);
    }).detach();
  } catch (const std::system_error& e) {
    inFlight_->fetch_sub(1);
    return Result{{}, std::string("cannot start a host name lookup: ") + e.what()};
  }
  std::unique_lock lock(lookup->mutex);
  if (!lookup->done.wait_for(lock, timeout_, [&] { return lookup->finished; })) {
    return Result{
        {}, "looking up " + host + " took longer than " + std::to_string(timeout_.count()) + " ms"};
  }
  return lookup->result;
}

}  // namespace parley::webhook
