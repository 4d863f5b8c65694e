#include "persistence/journal_sqlite.hpp"

#include <utility>

#include "persistence/journal_schema.hpp"
#include "persistence/journal_session_codec.hpp"

namespace tandem {

namespace codec = journal_codec;
using sqlite::Scoped;
using sqlite::Stmt;

// Prepared once per journal: the commit path runs thousands of times per sync.
struct SqliteJournal::Statements {
  std::optional<Stmt> state_of;  // the stored state of one session
  std::optional<Stmt> upsert_session;
  std::optional<Stmt> upsert_checkpoint;
  std::optional<Stmt> insert_transition;
  std::optional<Stmt> insert_log;
  std::optional<Stmt> session_by_id;
  std::optional<Stmt> checkpoints_of;
  std::optional<Stmt> recent;
  std::optional<Stmt> by_peer;
  std::optional<Stmt> unfinished;
  std::optional<Stmt> transitions_of;
  std::optional<Stmt> log_of;
};

namespace {

std::string quoted(const char* spelling) { return std::string("'") + spelling + "'"; }

// "WHERE state NOT IN ('succeeded', 'failed', 'cancelled')", from the frozen spellings.
std::string non_terminal_filter() {
  return "WHERE state NOT IN (" + quoted(to_string(State::succeeded)) + ", " +
         quoted(to_string(State::failed)) + ", " + quoted(to_string(State::cancelled)) + ")";
}

}  // namespace

std::string SqliteJournal::path_in(const std::string& state_dir) {
  return state_dir + "/journal.sqlite";
}

Result<std::unique_ptr<SqliteJournal>> SqliteJournal::open(const std::string& path,
                                                           Options options) {
  auto db = journal_schema::open(path);
  if (!db) return db.error();
  std::unique_ptr<SqliteJournal> journal(new SqliteJournal(std::move(*db), std::move(options)));
  if (auto st = journal->prepare_statements(); !st) return st.error();
  return journal;
}

SqliteJournal::SqliteJournal(sqlite::Db db, Options options)
    : db_(std::move(db)), options_(std::move(options)), stmts_(std::make_unique<Statements>()) {}

SqliteJournal::~SqliteJournal() = default;

Status SqliteJournal::prepare_statements() {
  const std::string order = " ORDER BY created_at DESC, id DESC LIMIT ?";
  const std::pair<std::optional<Stmt>*, std::string> all[] = {
      {&stmts_->state_of, "SELECT state FROM sessions WHERE id = ?1"},
      {&stmts_->upsert_session, codec::session_upsert_sql()},
      {&stmts_->upsert_checkpoint, codec::checkpoint_upsert_sql()},
      {&stmts_->insert_transition, codec::transition_insert_sql()},
      {&stmts_->insert_log, codec::log_insert_sql()},
      {&stmts_->session_by_id, codec::session_select_sql("WHERE id = ?1")},
      {&stmts_->checkpoints_of, codec::checkpoint_select_sql()},
      {&stmts_->recent, codec::session_select_sql(order + "1")},
      {&stmts_->by_peer, codec::session_select_sql("WHERE source = ?1 OR target = ?1" + order + "2")},
      {&stmts_->unfinished, codec::session_select_sql(non_terminal_filter() + " ORDER BY created_at, id")},
      {&stmts_->transitions_of, codec::transition_select_sql()},
      {&stmts_->log_of, codec::log_select_sql()},
  };
  for (const auto& [slot, sql] : all) {
    auto stmt = db_.prepare(sql);
    if (!stmt) return stmt.error();
    slot->emplace(std::move(*stmt));
  }
  return ok_status();
}

Status SqliteJournal::fail_point(const char* point) const {
  if (options_.fail_point) return options_.fail_point(point);
  return ok_status();
}

Result<std::uint64_t> SqliteJournal::commit(const Session& next, const TransitionRecord& rec_in) {
  auto rec = normalise_record(next, rec_in);
  if (!rec) return rec.error();
  auto txn = sqlite::Transaction::begin(db_);
  if (!txn) return txn.error();

  {  // A session that ended never changes again: a stale actor cannot revive it.
    Scoped q(*stmts_->state_of);
    q->bind(1, next.id);
    auto row = q->step();
    if (!row) return row.error();
    if (*row) {
      std::string spelling = q->column_text(0);
      auto stored = parse_state(spelling);
      if (!stored)
        return make_error("unreadable_row", "session " + next.id + " is stored in state '" +
                                                spelling + "', which this tandemd does not know");
      if (is_terminal(*stored))
        return make_error("session_terminal", "session " + next.id + " already ended (" +
                                                  spelling + "); it is not changed again");
    }
  }
  {
    Scoped q(*stmts_->upsert_session);
    codec::bind_session(*q, next);
    if (auto st = q->run(); !st) return st.error();
  }
  for (int i = 0; i < kPhaseCount; ++i) {
    Scoped q(*stmts_->upsert_checkpoint);
    codec::bind_checkpoint(*q, next.id, static_cast<Phase>(i), next.phases[i]);
    if (auto st = q->run(); !st) return st.error();
  }
  if (auto st = fail_point("after_session_write"); !st) return st.error();
  std::uint64_t seq = 0;
  {
    Scoped q(*stmts_->insert_transition);
    codec::bind_transition(*q, *rec);
    auto row = q->step();
    if (!row) return row.error();
    seq = static_cast<std::uint64_t>(q->column_int(0));
  }
  if (auto st = fail_point("before_commit"); !st) return st.error();
  if (auto st = txn->commit(); !st) return st.error();
  return seq;
}

Status SqliteJournal::append_log(const LogLine& line) {
  Scoped q(*stmts_->insert_log);
  codec::bind_log(*q, line);
  auto st = q->run();
  if (!st && st.error().code == "journal_constraint")
    return make_error("unknown_session",
                      "cannot log for session " + line.session_id + ": the journal has no such session",
                      "session_id");
  return st;
}

Status SqliteJournal::load_checkpoints(Session& s) const {
  Scoped q(*stmts_->checkpoints_of);
  q->bind(1, s.id);
  std::array<bool, kPhaseCount> seen{};
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    auto phase = codec::read_checkpoint(*q, s);
    if (!phase) return phase.error();
    seen[static_cast<int>(*phase)] = true;
  }
  for (int i = 0; i < kPhaseCount; ++i)
    if (!seen[i])
      return make_error("unreadable_row", std::string("no checkpoint row for phase ") +
                                              to_string(static_cast<Phase>(i)));
  return ok_status();
}

Result<std::optional<Session>> SqliteJournal::get(const std::string& id) const {
  Session s;
  {
    Scoped q(*stmts_->session_by_id);
    q->bind(1, id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return std::optional<Session>{};
    if (auto st = codec::read_session(*q, s); !st) return st.error();
  }
  if (auto st = load_checkpoints(s); !st) return st.error();
  return std::optional<Session>(std::move(s));
}

Result<std::vector<Session>> SqliteJournal::read_sessions(
    Stmt& query, std::vector<UnreadableSession>& unreadable) const {
  std::vector<Session> out;
  for (;;) {
    auto row = query.step();
    if (!row) return row.error();
    if (!*row) break;
    Session s;
    auto st = codec::read_session(query, s);
    if (st) st = load_checkpoints(s);
    if (st)
      out.push_back(std::move(s));
    else
      unreadable.push_back({query.column_text(0), st.error().message});
  }
  return out;
}

Result<std::vector<Session>> SqliteJournal::history(Stmt& query) const {
  std::vector<UnreadableSession> unreadable;
  auto sessions = read_sessions(query, unreadable);
  for (const auto& u : unreadable)
    log::warn("journal") << path() << ": skipped session " << u.session_id << ": " << u.reason;
  return sessions;
}

Result<std::vector<Session>> SqliteJournal::recent(std::size_t limit) const {
  Scoped q(*stmts_->recent);
  q->bind(1, static_cast<std::int64_t>(limit));
  return history(*q);
}

Result<std::vector<Session>> SqliteJournal::by_peer(const std::string& node_id,
                                                    std::size_t limit) const {
  Scoped q(*stmts_->by_peer);
  q->bind(1, node_id);
  q->bind(2, static_cast<std::int64_t>(limit));
  return history(*q);
}

Result<std::vector<TransitionRecord>> SqliteJournal::transitions(const std::string& id) const {
  Scoped q(*stmts_->transitions_of);
  q->bind(1, id);
  std::vector<TransitionRecord> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    auto rec = codec::read_transition(*q);
    if (!rec) return rec.error();
    out.push_back(std::move(*rec));
  }
}

Result<std::vector<LogLine>> SqliteJournal::log_lines(const std::string& id,
                                                      std::size_t limit) const {
  Scoped q(*stmts_->log_of);
  q->bind(1, id);
  q->bind(2, static_cast<std::int64_t>(limit));
  std::vector<LogLine> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    auto line = codec::read_log(*q);
    if (!line) return line.error();
    out.push_back(std::move(*line));
  }
}

Result<Recovery> SqliteJournal::recover() const {
  Recovery found;
  Scoped q(*stmts_->unfinished);
  auto sessions = read_sessions(*q, found.unreadable);
  if (!sessions) return sessions.error();
  found.sessions = std::move(*sessions);
  return found;
}

}  // namespace tandem
