#include "store/local/sqlite.h"

#include <sqlite3.h>

#include <utility>

namespace reclaim {

absl::Status StatusForSqlite(int rc, std::string message) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::PermissionDeniedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  if (in_use_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
    return;
  }
  sqlite3_finalize(stmt_);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)) {}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return StatusForSqlite(rc, std::string("metadata: ") + sqlite3_errmsg(db_));
}

absl::Status SqliteStatement::Run() {
  for (;;) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

std::string SqliteStatement::ColumnText(int index) const {
  const unsigned char* p = sqlite3_column_text(stmt_, index);
  if (p == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string_view SqliteStatement::ColumnView(int index) const {
  const unsigned char* p = sqlite3_column_text(stmt_, index);
  if (p == nullptr) return std::string_view();
  return std::string_view(reinterpret_cast<const char*>(p),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

int64_t SqliteStatement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

bool SqliteStatement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, bool sync) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "open metadata " + path + ": " +
                      (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return StatusForSqlite(rc, msg);
  }
  std::unique_ptr<SqliteDb> out(new SqliteDb(db));
  sqlite3_busy_timeout(db, 5000);
  // Keep the WAL and its index when the last connection closes: the next
  // open then needs no new file, which a full disk may not allow.
  int persist = 1;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  for (const char* pragma : {"PRAGMA journal_mode=WAL",
                             sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF",
                             "PRAGMA foreign_keys=ON"}) {
    absl::Status s = out->Exec(pragma);
    if (!s.ok()) return s;
  }
  return out;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->stmt);
  sqlite3_close_v2(db_);
}

absl::Status SqliteDb::Error(int rc, std::string_view what) const {
  return StatusForSqlite(rc, std::string("metadata: ") + std::string(what) + ": " +
                                 sqlite3_errmsg(db_));
}

absl::Status SqliteDb::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return absl::OkStatus();
  std::string msg = "metadata: " + std::string(err != nullptr ? err : sqlite3_errstr(rc));
  sqlite3_free(err);
  return StatusForSqlite(rc, msg);
}

absl::StatusOr<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "prepare");
  return SqliteStatement(db_, stmt);
}

absl::StatusOr<SqliteStatement> SqliteDb::PrepareCached(std::string_view sql) {
  auto it = cache_.find(absl::string_view(sql.data(), sql.size()));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, "prepare");
    auto cached = std::make_unique<Cached>();
    cached->stmt = stmt;
    it = cache_.emplace(std::string(sql), std::move(cached)).first;
  }
  Cached& cached = *it->second;
  if (cached.in_use) return Prepare(sql);  // a nested use of the same SQL
  cached.in_use = true;
  return SqliteStatement(db_, cached.stmt, &cached.in_use);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes(db_); }

SqliteTransaction::~SqliteTransaction() {
  if (open_) (void)db_.Exec("ROLLBACK");
}

absl::Status SqliteTransaction::Begin() {
  absl::Status s = db_.Exec("BEGIN IMMEDIATE");
  open_ = s.ok();
  return s;
}

absl::Status SqliteTransaction::Commit() {
  absl::Status s = db_.Exec("COMMIT");
  if (s.ok()) open_ = false;
  return s;
}

}  // namespace reclaim
