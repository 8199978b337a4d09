#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>

namespace parley::webhook {

// Which addresses parleyd may POST webhooks to. Callback URLs come from API callers, so
// by default only public unicast addresses qualify: otherwise a project could make
// parleyd reach what only parleyd can reach (its own loopback services, the cloud
// metadata service at 169.254.169.254, the private network behind it). Operators whose
// receivers live on such addresses opt in with --allow-private-callbacks.
class AddressPolicy {
 public:
  explicit AddressPolicy(bool allowPrivate = false) : allowPrivate_(allowPrivate) {}

  bool allowsPrivate() const { return allowPrivate_; }
  // Why `address` is refused ("loopback", "private", "link-local", …), or nullopt.
  std::optional<std::string> refusal(const boost::asio::ip::address& address) const;

  // The kind of non-public address `address` is, or nullopt for a public unicast one.
  // IPv6 forms that embed an IPv4 address (IPv4-mapped, IPv4-translated, NAT64, 6to4)
  // are judged by that IPv4 address.
  static std::optional<std::string> nonPublicKind(const boost::asio::ip::address& address);

 private:
  bool allowPrivate_;
};

}  // namespace parley::webhook
