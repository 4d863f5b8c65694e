// SqliteJournal: the real journal, one SQLite file in the node's state dir.
//
// WAL with synchronous=FULL, so commit() returns only after the transaction is on
// disk. The file is checked before anything is written to it (journal_schema.hpp): a
// corrupt, foreign or newer file is refused and kept.
//
// Ownership: one thread/actor at a time (see journal.hpp). Not movable: the cached
// statements point at the connection.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "persistence/journal.hpp"
#include "persistence/journal_sqlite_db.hpp"

namespace tandem {

class SqliteJournal final : public Journal {
 public:
  struct Options {
    // Named fail points for crash and rollback tests; production leaves it empty.
    // Called inside commit() at "after_session_write" and "before_commit"; an error
    // returned from it aborts the commit exactly as a storage error would.
    std::function<Status(const char* point)> fail_point;
  };

  // The journal's file in a state dir: <state_dir>/journal.sqlite.
  static std::string path_in(const std::string& state_dir);

  // Opens (creating or migrating) the journal at `path`.
  static Result<std::unique_ptr<SqliteJournal>> open(const std::string& path,
                                                     Options options = {});

  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;
  ~SqliteJournal() override;

  Result<std::uint64_t> commit(const Session& next, const TransitionRecord& rec) override;
  Status append_log(const LogLine& line) override;
  Result<std::optional<Session>> get(const std::string& id) const override;
  Result<std::vector<Session>> recent(std::size_t limit) const override;
  Result<std::vector<Session>> by_peer(const std::string& node_id,
                                       std::size_t limit) const override;
  Result<std::vector<TransitionRecord>> transitions(const std::string& id) const override;
  Result<std::vector<LogLine>> log_lines(const std::string& id, std::size_t limit) const override;
  Result<Recovery> recover() const override;

  const std::string& path() const { return db_.path(); }

 private:
  struct Statements;
  SqliteJournal(sqlite::Db db, Options options);
  Status prepare_statements();
  Status fail_point(const char* point) const;
  // Fills the checkpoint rows of `s` (all five phases must be there).
  Status load_checkpoints(Session& s) const;
  // Runs a session query and decodes its rows; rows it cannot decode go to `unreadable`.
  Result<std::vector<Session>> read_sessions(sqlite::Stmt& query,
                                             std::vector<UnreadableSession>& unreadable) const;
  // read_sessions() for history: unreadable rows are logged and skipped.
  Result<std::vector<Session>> history(sqlite::Stmt& query) const;

  sqlite::Db db_;
  Options options_;
  std::unique_ptr<Statements> stmts_;  // after db_: finalized before the connection closes
};

}  // namespace tandem
