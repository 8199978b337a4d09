#pragma once

namespace parley::store {

class PgConnection;

// A transaction on `connection`, rolled back on destruction unless committed.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  void commit();

 private:
  PgConnection& connection_;
};

}  // namespace parley::store
