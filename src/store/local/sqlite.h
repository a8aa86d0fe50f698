// File: store/local/sqlite.h
//
// A minimal RAII wrapper over SQLite for the embedded store's metadata: a
// connection, prepared statements with typed binds and columns, and a scoped
// transaction. Errors become absl::Status (SQLITE_BUSY/LOCKED: Unavailable,
// SQLITE_FULL: ResourceExhausted, SQLITE_CONSTRAINT: AlreadyExists, else Internal).
//
// Statements of fixed SQL text may come from a per-connection cache
// (PrepareCached): prepared once (SQLITE_PREPARE_PERSISTENT), handed out as a
// borrowed SqliteStatement that resets and clears the statement when it goes
// out of scope (so no read transaction stays open), and finalized with the
// connection. A cached statement already borrowed (a nested use of the same
// SQL) is not shared: the nested use gets a statement of its own.
//
// Thread-safety: a SqliteDb (and its statements) must be used by one thread at a
// time; LocalStore serialises access with its own mutex.
#ifndef RECLAIM_STORE_LOCAL_SQLITE_H_
#define RECLAIM_STORE_LOCAL_SQLITE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace reclaim {

class SqliteStatement {
 public:
  // Owns `stmt` (finalized by the destructor).
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binds are 1-based, as in SQLite.
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& BindNull(int index);
  // Advances; true when a row is available.
  [[nodiscard]] absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows (or ignores them) to completion.
  [[nodiscard]] absl::Status Run();
  std::string ColumnText(int index) const;
  // The text of a column without a copy; valid until the next Step or Reset.
  std::string_view ColumnView(int index) const;
  int64_t ColumnInt64(int index) const;
  bool ColumnIsNull(int index) const;
  // Makes the statement reusable with new binds.
  void Reset();

 private:
  friend class SqliteDb;
  // A borrowed cached statement: reset and cleared (not finalized) by the
  // destructor, and `*in_use` set back to false.
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use)
      : db_(db), stmt_(stmt), in_use_(in_use) {}

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_ = nullptr;  // non-null: borrowed from SqliteDb's cache
};

class SqliteDb {
 public:
  // Opens (creating) the database at `path` in WAL mode, with full sync unless
  // `sync` is false (then a machine crash may lose the last transactions; a
  // process crash still loses nothing).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                                      bool sync = true);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  [[nodiscard]] absl::Status Exec(std::string_view sql);
  [[nodiscard]] absl::StatusOr<SqliteStatement> Prepare(std::string_view sql);
  // Like Prepare, from the connection's cache (see the file comment). The
  // returned statement must not outlive the SqliteDb.
  [[nodiscard]] absl::StatusOr<SqliteStatement> PrepareCached(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

  absl::Status Error(int rc, std::string_view what) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  // Node-stable values: borrowed statements point at their entry's `in_use`.
  absl::flat_hash_map<std::string, std::unique_ptr<Cached>> cache_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() ran.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db) : db_(db) {}
  ~SqliteTransaction();
  [[nodiscard]] absl::Status Begin();
  [[nodiscard]] absl::Status Commit();

 private:
  SqliteDb& db_;
  bool open_ = false;
};

}  // namespace reclaim

#endif  // RECLAIM_STORE_LOCAL_SQLITE_H_
