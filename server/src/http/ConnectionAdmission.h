#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

namespace parley::http {

// Bounds the TCP connections the HTTP server holds, in total and per remote address, so
// that one peer cannot take every file descriptor. Each admitted connection holds a
// Ticket; the count drops when the last copy of the ticket goes away (with the socket).
// Control thread only.
class ConnectionAdmission {
 public:
  struct Limits {
    std::size_t total = 10000;  // 0 = unlimited
    std::size_t perAddress = 256;
  };
  class Ticket;

  explicit ConnectionAdmission(Limits limits);

  // A ticket for a new connection from `address` (an IP without port), or null when a
  // limit is reached.
  std::shared_ptr<Ticket> admit(const std::string& address);

  std::size_t total() const { return state_->total; }
  std::size_t from(const std::string& address) const;
  const Limits& limits() const { return state_->limits; }

 private:
  struct State {
    Limits limits;
    std::size_t total = 0;
    std::unordered_map<std::string, std::size_t> perAddress;
  };
  std::shared_ptr<State> state_;  // tickets keep it alive past the admission object
};

class ConnectionAdmission::Ticket {
 public:
  Ticket(std::shared_ptr<State> state, std::string address);
  ~Ticket();
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;

 private:
  std::shared_ptr<State> state_;
  std::string address_;
};

}  // namespace parley::http
