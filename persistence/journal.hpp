// The journal: the node's durable record of its full-sync sessions.
//
// Contract ("journal, then memory, then messages"): an actor computes a session's next
// state, calls commit(), and only when commit() returns ok does it swap its in-memory
// state and act on it. A commit is all-or-nothing: the session row, one transition-log
// row and the session's checkpoint rows are written in one transaction; a failed commit
// changes nothing, and the caller throws the new state away.
//
// Ownership: one Journal object is used by one thread (one actor) at a time. The
// implementations hold no locks of their own; give each actor its own object, or
// serialise calls through the actor that owns it.
//
// Implementations: SqliteJournal (journal_sqlite.hpp, the real one), MemoryJournal
// (journal_memory.hpp, for pure tests of callers) and FaultyJournal
// (journal_faulty.hpp, fails the Nth commit). They behave the same; the conformance
// tests in tests/unit/journal_conformance_test.cpp run against each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "base/result.hpp"
#include "statemachine/session.hpp"

namespace tandem {

// One row of a session's append-only transition log. The caller describes the move;
// the journal assigns `seq` (1, 2, 3, ... per session, without gaps) inside the commit,
// so the log order is the commit order. `seq` is ignored on input.
struct TransitionRecord {
  std::string session_id;  // must equal the committed session's id (empty: filled in)
  std::uint64_t seq = 0;   // assigned by the journal
  TimeMs at = 0;           // when the event happened (from the event, not a clock)
  State from_state = State::queued;
  State to_state = State::queued;  // must equal the committed session's state
  Phase phase = Phase::backup;
  std::string event;   // caller's text, e.g. "phase_done(transfer)"
  std::string detail;  // free text: error message, chunk number, ...
};

// One line of a session's detailed log (the panel's expandable log).
struct LogLine {
  std::string session_id;
  TimeMs at = 0;
  log::Level level = log::Level::info;
  std::string text;
};

// A session row the journal holds but could not turn into a Session (an enum spelling
// this build does not know, missing checkpoint rows, ...). Kept in the file, reported.
struct UnreadableSession {
  std::string session_id;
  std::string reason;  // names the column and the value found
};

// What recover() found: every non-terminal session, and what it could not read.
struct Recovery {
  std::vector<Session> sessions;  // non-terminal, oldest first (created_at, then id)
  std::vector<UnreadableSession> unreadable;
};

class Journal {
 public:
  virtual ~Journal() = default;

  // Durably records `next` and `rec` as one transaction and returns the seq assigned
  // to `rec`. Errors: "invalid_argument" (rec does not describe `next`),
  // "session_terminal" (the stored session already ended; it never changes again),
  // "journal_io" (the storage failed; nothing was written).
  virtual Result<std::uint64_t> commit(const Session& next, const TransitionRecord& rec) = 0;

  // Appends one detailed-log line to an existing session ("unknown_session" otherwise).
  virtual Status append_log(const LogLine& line) = 0;

  // The session with this id, or nullopt when there is none.
  virtual Result<std::optional<Session>> get(const std::string& id) const = 0;

  // History, newest first (created_at, then id, descending). Rows that cannot be read
  // are skipped here (with a warning) and reported by recover() when non-terminal.
  virtual Result<std::vector<Session>> recent(std::size_t limit) const = 0;
  // Sessions in which `node_id` is the source or the target, newest first.
  virtual Result<std::vector<Session>> by_peer(const std::string& node_id,
                                               std::size_t limit) const = 0;

  // The session's whole transition log, in seq order.
  virtual Result<std::vector<TransitionRecord>> transitions(const std::string& id) const = 0;
  // The session's newest `limit` log lines, oldest first (ready to print).
  virtual Result<std::vector<LogLine>> log_lines(const std::string& id,
                                                 std::size_t limit) const = 0;

  // Every non-terminal session, to be resumed from its checkpoint at start-up.
  virtual Result<Recovery> recover() const = 0;
};

// Checks that `rec` describes the commit of `next` and returns it with session_id set.
// Shared by every implementation so they refuse the same things.
Result<TransitionRecord> normalise_record(const Session& next, const TransitionRecord& rec);

// The lower-case spelling of a log level as stored in the journal ("info", ...).
const char* log_level_spelling(log::Level level);

}  // namespace tandem
