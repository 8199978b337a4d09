#include "store/PgTransaction.h"

#include "store/PgConnection.h"

namespace parley::store {

PgTransaction::PgTransaction(PgConnection& connection) : connection_(connection) {
  connection_.begin();
}

PgTransaction::~PgTransaction() {
  connection_.rollback();
}

void PgTransaction::commit() {
  connection_.commit();
}

}  // namespace parley::store
