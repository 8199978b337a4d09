#pragma once

#include <optional>
#include <string>
#include <utility>

namespace parley::core {

// Why an operation on untrusted input failed: a machine-readable code plus a message
// that is safe to show to the caller (it never contains secrets).
struct Error {
  enum class Code {
    Malformed,       // not of the expected syntax
    UnknownProject,  // names an API key we do not have
    BadSignature,    // signature does not verify with the project's secret
    Expired,         // past its expiry, or issued too far in the future
    Invalid,         // well-formed but violates a rule (role, lengths, session/project match)
  };
  Code code = Code::Malformed;
  std::string message;
};

// Either a value or an Error. Small on purpose: we only need ok(), value() and error().
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(Error error) : error_(std::move(error)) {}
  static Result fail(Error::Code code, std::string message) {
    return Result(Error{code, std::move(message)});
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T* operator->() const { return &*value_; }
  const Error& error() const { return error_; }

 private:
  std::optional<T> value_;
  Error error_;
};

}  // namespace parley::core
