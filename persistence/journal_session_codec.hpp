// Encoding of journal rows: Session <-> `sessions` + `checkpoints`, TransitionRecord <->
// `transitions`, LogLine <-> `log_lines`. The one place that knows both the C++ types
// and the column names; the SQL for sessions and checkpoints is generated from the
// column tables in the .cpp, so a new Session field is one table entry plus a
// migration (journal_schema.cpp) that adds its column with a default.
//
// Frozen format: enum columns hold the spellings of to_string()/parse_*() in
// statemachine/session.hpp. A spelling this build does not know is reported as an
// "unreadable_row" Error naming the column and the value, never a crash.
#pragma once

#include <string>

#include "base/result.hpp"
#include "persistence/journal.hpp"
#include "persistence/journal_sqlite_db.hpp"
#include "statemachine/session.hpp"

namespace tandem::journal_codec {

// INSERT ... ON CONFLICT(id) DO UPDATE: binds every column of one session.
std::string session_upsert_sql();
void bind_session(sqlite::Stmt& stmt, const Session& s);
// "SELECT <session columns> FROM sessions " + tail (WHERE/ORDER BY/LIMIT).
std::string session_select_sql(const std::string& tail);
// Reads the columns selected by session_select_sql(); leaves `phases` alone.
Status read_session(const sqlite::Stmt& stmt, Session& out);

// One row per (session, phase).
std::string checkpoint_upsert_sql();
void bind_checkpoint(sqlite::Stmt& stmt, const std::string& session_id, Phase phase,
                     const PhaseProgress& p);
// SELECT for all checkpoint rows of session ?1.
std::string checkpoint_select_sql();
// Reads one row of checkpoint_select_sql() into the matching entry of out.phases and
// returns that phase.
Result<Phase> read_checkpoint(const sqlite::Stmt& stmt, Session& out);

// INSERT of one transition with seq = last seq of the session + 1, RETURNING seq.
std::string transition_insert_sql();
void bind_transition(sqlite::Stmt& stmt, const TransitionRecord& rec);
std::string transition_select_sql();  // all transitions of session ?1 by seq
Result<TransitionRecord> read_transition(const sqlite::Stmt& stmt);

std::string log_insert_sql();
void bind_log(sqlite::Stmt& stmt, const LogLine& line);
std::string log_select_sql();  // newest ?2 lines of session ?1, oldest first
Result<LogLine> read_log(const sqlite::Stmt& stmt);

}  // namespace tandem::journal_codec
