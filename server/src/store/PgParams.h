#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

// The values of one PostgreSQL statement's $1, $2, … in text form, in order. Values
// always travel separately from the SQL text, never spliced into it.
class PgParams {
 public:
  PgParams& add(std::string_view text) {
    values_.emplace_back(text);
    return *this;
  }
  // Without this a string literal would pick the bool overload.
  PgParams& add(const char* text) { return add(std::string_view(text)); }
  PgParams& add(std::int64_t value) {
    values_.push_back(std::to_string(value));
    return *this;
  }
  PgParams& add(bool value) {
    values_.emplace_back(value ? "true" : "false");
    return *this;
  }

  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

}  // namespace parley::store
