#pragma once

#include <cstdint>
#include <string>

struct pg_result;

namespace parley::store {

// A finished statement's rows (owned; cleared on destruction). Rows and columns count
// from 0. Values are read in text form; NULL reads as "" or 0 (the schema has no NULLs).
class PgResult {
 public:
  explicit PgResult(pg_result* result) noexcept : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;
  std::string text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  bool boolean(int row, int column) const;

 private:
  pg_result* result_;
};

}  // namespace parley::store
