#include "http/ConnectionAdmission.h"

namespace parley::http {

ConnectionAdmission::ConnectionAdmission(Limits limits) : state_(std::make_shared<State>()) {
  state_->limits = limits;
}

std::shared_ptr<ConnectionAdmission::Ticket> ConnectionAdmission::admit(
    const std::string& address) {
  const Limits& l = state_->limits;
  if (l.total && state_->total >= l.total) return nullptr;
  if (l.perAddress) {
    auto it = state_->perAddress.find(address);
    if (it != state_->perAddress.end() && it->second >= l.perAddress) return nullptr;
  }
  return std::make_shared<Ticket>(state_, address);
}

std::size_t ConnectionAdmission::from(const std::string& address) const {
  auto it = state_->perAddress.find(address);
  return it == state_->perAddress.end() ? 0 : it->second;
}

ConnectionAdmission::Ticket::Ticket(std::shared_ptr<State> state, std::string address)
    : state_(std::move(state)), address_(std::move(address)) {
  ++state_->total;
  ++state_->perAddress[address_];
}

ConnectionAdmission::Ticket::~Ticket() {
  --state_->total;
  auto it = state_->perAddress.find(address_);
  if (it != state_->perAddress.end() && --it->second == 0) state_->perAddress.erase(it);
}

}  // namespace parley::http
