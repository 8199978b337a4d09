#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/HttpUrl.h"
#include "webhook/AddressPolicy.h"
#include "webhook/HostResolver.h"

namespace parley::webhook {

// The registration-time half of the callback address rule (AddressPolicy): resolves a
// callback URL's host and says why parleyd would refuse to POST there. Delivery checks
// again with the addresses it actually connects to, since DNS answers change.
class TargetCheck {
 public:
  using Resolve = std::function<HostResolver::Result(const std::string& host, std::uint16_t port)>;

  // `resolve` empty → a HostResolver with its default time limit.
  explicit TargetCheck(AddressPolicy policy = AddressPolicy(), Resolve resolve = {});

  const AddressPolicy& policy() const { return policy_; }
  // Why callbacks to `url` are refused (a sentence for the API caller), or nullopt.
  std::optional<std::string> refusal(const core::HttpUrl& url) const;
  // The same rule for any outbound connection to `host`:`port`: `what` names what parleyd
  // would send there ("callbacks", "RTMP streams") and `flag` the switch that allows
  // private addresses.
  std::optional<std::string> refusal(const std::string& host, std::uint16_t port,
                                     std::string_view what, std::string_view flag) const;

 private:
  AddressPolicy policy_;
  Resolve resolve_;
};

}  // namespace parley::webhook
