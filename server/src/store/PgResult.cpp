#include "store/PgResult.h"

#include <libpq-fe.h>

#include <charconv>

#include "store/StoreError.h"

namespace parley::store {

PgResult::~PgResult() {
  PQclear(result_);
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const {
  return result_ ? PQntuples(result_) : 0;
}

std::int64_t PgResult::affected() const {
  if (!result_) return 0;
  const char* count = PQcmdTuples(result_);
  std::int64_t value = 0;
  std::from_chars(count, count + std::char_traits<char>::length(count), value);
  return value;
}

std::string PgResult::text(int row, int column) const {
  if (!result_ || PQgetisnull(result_, row, column)) return {};
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgResult::int64(int row, int column) const {
  if (!result_ || PQgetisnull(result_, row, column)) return 0;
  const char* value = PQgetvalue(result_, row, column);
  const char* end = value + PQgetlength(result_, row, column);
  std::int64_t out = 0;
  auto [at, error] = std::from_chars(value, end, out);
  if (error != std::errc() || at != end) {
    throw StoreError("column " + std::to_string(column) + " is not an integer: '" +
                     std::string(value, end) + "'");
  }
  return out;
}

bool PgResult::boolean(int row, int column) const {
  if (!result_ || PQgetisnull(result_, row, column)) return false;
  return PQgetvalue(result_, row, column)[0] == 't';
}

}  // namespace parley::store
