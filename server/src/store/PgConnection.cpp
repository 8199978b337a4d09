#include "store/PgConnection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <vector>

#include "store/StoreError.h"

namespace parley::store {

namespace {

// libpq lets later keywords override earlier ones, and the URL is expanded where its
// "dbname" keyword stands: parleyd's defaults come first so the URL's own settings win.
pg_conn* connect(const std::string& url) {
  const char* keys[] = {"connect_timeout", "application_name", "options", "dbname", nullptr};
  const char* values[] = {"5", "parleyd", "-c statement_timeout=10000", url.c_str(), nullptr};
  return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

std::string connectionError(pg_conn* conn) {
  std::string message = conn ? PQerrorMessage(conn) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

PgConnection::PgConnection(const std::string& url) : conn_(connect(url)) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = connectionError(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError("cannot connect to PostgreSQL: " + message);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

void PgConnection::ensureConnected() {
  if (PQstatus(conn_) == CONNECTION_OK) return;
  if (inTransaction_) throw StoreError("the connection to PostgreSQL broke inside a transaction");
  const auto now = std::chrono::steady_clock::now();
  if (now < retryAt_) throw StoreError("PostgreSQL is unreachable (retrying shortly)");
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    retryPause_ = std::min(std::chrono::seconds(30),
                           retryPause_.count() == 0 ? std::chrono::seconds(1) : retryPause_ * 2);
    retryAt_ = std::chrono::steady_clock::now() + retryPause_;
    throw StoreError("cannot reconnect to PostgreSQL: " + connectionError(conn_));
  }
  retryPause_ = std::chrono::seconds(0);
}

void PgConnection::fail(std::string_view what, pg_result* result) {
  std::string message(what);
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail = result ? PQresultErrorMessage(result) : "";
  if (detail.empty()) detail = connectionError(conn_);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  message += ": " + detail;
  if (state) message += std::string(" (SQLSTATE ") + state + ")";
  PQclear(result);
  throw StoreError(message);
}

PgResult PgConnection::exec(std::string_view sql, const PgParams& params) {
  ensureConnected();
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.values().size());
  for (const std::string& v : params.values()) values.push_back(v.c_str());
  pg_result* result = PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                   values.data(), nullptr, nullptr, /*resultFormat=*/0);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("PostgreSQL", result);
  return PgResult(result);
}

void PgConnection::execScript(const char* sql) {
  ensureConnected();
  pg_result* result = PQexec(conn_, sql);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("PostgreSQL", result);
  PQclear(result);
}

void PgConnection::begin() {
  execScript("BEGIN");
  inTransaction_ = true;
}

void PgConnection::commit() {
  // Whether COMMIT succeeds or not, the transaction is over.
  inTransaction_ = false;
  execScript("COMMIT");
}

void PgConnection::rollback() noexcept {
  if (!inTransaction_) return;
  inTransaction_ = false;
  if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace parley::store
