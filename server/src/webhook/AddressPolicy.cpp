#include "webhook/AddressPolicy.h"

#include <array>
#include <cstdint>

namespace parley::webhook {

namespace {

using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;

struct V4Range {
  std::uint32_t network;
  int prefix;
  const char* kind;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA's special-purpose IPv4 registry, minus the few entries that are globally reachable
// anycast services; plus multicast and the reserved class E.
constexpr std::array kV4Ranges{
    V4Range{v4(0, 0, 0, 0), 8, "unspecified"},  // "this network"
    V4Range{v4(10, 0, 0, 0), 8, "private"},
    V4Range{v4(100, 64, 0, 0), 10, "shared (CGNAT)"},
    V4Range{v4(127, 0, 0, 0), 8, "loopback"},
    V4Range{v4(169, 254, 0, 0), 16, "link-local"},  // also cloud metadata services
    V4Range{v4(172, 16, 0, 0), 12, "private"},
    V4Range{v4(192, 0, 0, 0), 24, "IETF protocol assignment"},
    V4Range{v4(192, 0, 2, 0), 24, "documentation"},
    V4Range{v4(192, 88, 99, 0), 24, "6to4 relay"},
    V4Range{v4(192, 168, 0, 0), 16, "private"},
    V4Range{v4(198, 18, 0, 0), 15, "benchmarking"},
    V4Range{v4(198, 51, 100, 0), 24, "documentation"},
    V4Range{v4(203, 0, 113, 0), 24, "documentation"},
    V4Range{v4(224, 0, 0, 0), 4, "multicast"},
    V4Range{v4(240, 0, 0, 0), 4, "reserved"},  // and the broadcast address
};

std::optional<std::string> v4Kind(const address_v4& address) {
  const std::uint32_t bits = address.to_uint();
  for (const V4Range& range : kV4Ranges) {
    const std::uint32_t mask = range.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - range.prefix);
    if ((bits & mask) == range.network) return std::string(range.kind);
  }
  return std::nullopt;
}

address_v4 v4At(const address_v6::bytes_type& bytes, std::size_t offset) {
  return address_v4(address_v4::bytes_type{bytes[offset], bytes[offset + 1], bytes[offset + 2],
                                           bytes[offset + 3]});
}

bool startsWith(const address_v6::bytes_type& bytes, std::initializer_list<std::uint8_t> prefix) {
  std::size_t i = 0;
  for (std::uint8_t b : prefix)
    if (bytes[i++] != b) return false;
  return true;
}

bool zeros(const address_v6::bytes_type& bytes, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i)
    if (bytes[i] != 0) return false;
  return true;
}

std::optional<std::string> v6Kind(const address_v6& address) {
  const auto b = address.to_bytes();
  if (address.is_unspecified()) return "unspecified";
  if (address.is_loopback()) return "loopback";
  if (address.is_v4_mapped()) return v4Kind(v4At(b, 12));
  // ::ffff:0:a.b.c.d (IPv4-translated) and 64:ff9b::a.b.c.d (NAT64): the gateway would
  // carry the packet to that IPv4 address.
  if (zeros(b, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
    return v4Kind(v4At(b, 12));
  if (startsWith(b, {0x00, 0x64, 0xff, 0x9b}) && zeros(b, 4, 12)) return v4Kind(v4At(b, 12));
  if (startsWith(b, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01})) return "NAT64 local-use";
  if (zeros(b, 0, 12)) return "IPv4-compatible (deprecated)";                // ::a.b.c.d
  if (startsWith(b, {0x01, 0x00}) && zeros(b, 2, 8)) return "discard-only";  // 100::/64
  if (startsWith(b, {0x20, 0x01, 0x0d, 0xb8})) return "documentation";       // 2001:db8::/32
  if (startsWith(b, {0x20, 0x01, 0x00, 0x00})) return "Teredo";              // 2001::/32
  if (startsWith(b, {0x20, 0x02})) {                                         // 6to4: 2002:V4::/48
    if (auto kind = v4Kind(v4At(b, 2))) return *kind + " (6to4)";
    return std::nullopt;
  }
  if ((b[0] & 0xfe) == 0xfc) return "unique local (private)";                   // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";               // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site-local (deprecated)";  // fec0::/10
  if (b[0] == 0xff) return "multicast";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> AddressPolicy::nonPublicKind(const boost::asio::ip::address& address) {
  return address.is_v4() ? v4Kind(address.to_v4()) : v6Kind(address.to_v6());
}

std::optional<std::string> AddressPolicy::refusal(const boost::asio::ip::address& address) const {
  std::optional<std::string> kind;
  if (!allowPrivate_) {
    kind = nonPublicKind(address);
  } else if (address.is_unspecified()) {  // even then, never "any address" or a group
    kind = "unspecified";
  } else if (address.is_multicast()) {
    kind = "multicast";
  }
  if (!kind) return std::nullopt;
  return address.to_string() + " is a " + *kind + " address";
}

}  // namespace parley::webhook
