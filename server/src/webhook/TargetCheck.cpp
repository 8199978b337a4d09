#include "webhook/TargetCheck.h"

#include <memory>
#include <utility>

namespace parley::webhook {

TargetCheck::TargetCheck(AddressPolicy policy, Resolve resolve)
    : policy_(policy), resolve_(std::move(resolve)) {
  if (!resolve_) {
    auto resolver = std::make_shared<HostResolver>();
    resolve_ = [resolver](const std::string& host, std::uint16_t port) {
      return resolver->resolve(host, port);
    };
  }
}

std::optional<std::string> TargetCheck::refusal(const core::HttpUrl& url) const {
  return refusal(url.host, url.port, "callbacks", "--allow-private-callbacks");
}

std::optional<std::string> TargetCheck::refusal(const std::string& host, std::uint16_t port,
                                                std::string_view what,
                                                std::string_view flag) const {
  boost::system::error_code notLiteral;
  const auto literal = boost::asio::ip::make_address(host, notLiteral);
  // With private addresses allowed only literals can still be refused (unspecified,
  // multicast): no need to ask DNS about names.
  if (notLiteral && policy_.allowsPrivate()) return std::nullopt;
  const HostResolver::Result resolved =
      notLiteral ? resolve_(host, port) : HostResolver::Result{{literal}, {}};
  if (resolved.addresses.empty()) return "url host cannot be checked: " + resolved.error;
  for (const auto& address : resolved.addresses) {
    if (auto why = policy_.refusal(address)) {
      std::string out = "url " + std::string(notLiteral ? "resolves to" : "is") +
                        " an address parleyd does not send " + std::string(what) + " to (" + *why +
                        ")";
      if (!policy_.allowsPrivate())
        out += "; only public addresses are allowed unless parleyd runs with " + std::string(flag);
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace parley::webhook
