#include "persistence/journal_session_codec.hpp"

#include <cstdint>
#include <type_traits>
#include <vector>

namespace tandem::journal_codec {
namespace {

using sqlite::Stmt;

// One column of a row type T: its name and how to bind/read it. Captureless lambdas,
// so a table of these is plain data.
template <class T>
struct Column {
  const char* name;
  void (*bind)(Stmt&, int, const T&);
  Status (*read)(const Stmt&, int, T&);
};

// field<&A::b, &B::c>(x) is x.b.c: reaches nested members (Session::options).
template <auto First, auto... Rest, class T>
auto& field(T& v) {
  if constexpr (sizeof...(Rest) == 0)
    return v.*First;
  else
    return field<Rest...>(v.*First);
}

// The column name is added by read_row(), which knows it.
Error unknown_spelling(const std::string& value) {
  return make_error("unreadable_row", "holds '" + value + "', a value this tandemd does not know");
}

// Integers, bools and enums-as-numbers: stored as SQLite INTEGER. Unsigned 64-bit
// values round-trip through int64 unchanged (same bits).
template <class T, auto... Path>
Column<T> integer(const char* name) {
  return {name,
          [](Stmt& s, int i, const T& v) { s.bind(i, static_cast<std::int64_t>(field<Path...>(v))); },
          [](const Stmt& s, int i, T& v) {
            auto& f = field<Path...>(v);
            f = static_cast<std::remove_reference_t<decltype(f)>>(s.column_int(i));
            return ok_status();
          }};
}

template <class T, auto... Path>
Column<T> real(const char* name) {
  return {name, [](Stmt& s, int i, const T& v) { s.bind(i, static_cast<double>(field<Path...>(v))); },
          [](const Stmt& s, int i, T& v) {
            field<Path...>(v) = s.column_double(i);
            return ok_status();
          }};
}

template <class T, auto... Path>
Column<T> text(const char* name) {
  return {name, [](Stmt& s, int i, const T& v) { s.bind(i, field<Path...>(v)); },
          [](const Stmt& s, int i, T& v) {
            field<Path...>(v) = s.column_text(i);
            return ok_status();
          }};
}

// Enums are stored by their frozen spelling; Parse is the parse_* of session.hpp.
template <class T, auto Parse, auto... Path>
Column<T> spelling(const char* name) {
  return {name, [](Stmt& s, int i, const T& v) { s.bind(i, std::string(to_string(field<Path...>(v)))); },
          [](const Stmt& s, int i, T& v) -> Status {
            std::string value = s.column_text(i);
            auto parsed = Parse(value);
            if (!parsed) return unknown_spelling(value);
            field<Path...>(v) = *parsed;
            return ok_status();
          }};
}

const std::vector<Column<Session>>& session_columns() {
  static const std::vector<Column<Session>> columns = {
      text<Session, &Session::id>("id"),  // first: the upsert's conflict key
      spelling<Session, parse_direction, &Session::direction>("direction"),
      text<Session, &Session::source>("source"),
      text<Session, &Session::target>("target"),
      text<Session, &Session::initiator>("initiator"),
      integer<Session, &Session::options, &SessionOptions::compression>("compression"),
      integer<Session, &Session::options, &SessionOptions::verify>("verify"),
      spelling<Session, parse_sync_mode, &Session::options, &SessionOptions::mode>("mode"),
      spelling<Session, parse_transport_method, &Session::options, &SessionOptions::method>(
          "method"),
      real<Session, &Session::options, &SessionOptions::bandwidth_limit_mbps>(
          "bandwidth_limit_mbps"),
      spelling<Session, parse_state, &Session::state>("state"),
      spelling<Session, parse_phase, &Session::phase>("phase"),
      integer<Session, &Session::created_at>("created_at"),
      integer<Session, &Session::updated_at>("updated_at"),
      integer<Session, &Session::finished_at>("finished_at"),
      integer<Session, &Session::last_progress_at>("last_progress_at"),
      integer<Session, &Session::attempt>("attempt"),
      integer<Session, &Session::peer_retries>("peer_retries"),
      text<Session, &Session::last_error>("last_error"),
      text<Session, &Session::cancel_reason>("cancel_reason"),
  };
  return columns;
}

// Checkpoint rows are keyed by (session_id, phase), bound as ?1 and ?2.
const std::vector<Column<PhaseProgress>>& checkpoint_columns() {
  static const std::vector<Column<PhaseProgress>> columns = {
      integer<PhaseProgress, &PhaseProgress::checkpoint>("checkpoint"),
      text<PhaseProgress, &PhaseProgress::checkpoint_note>("checkpoint_note"),
      integer<PhaseProgress, &PhaseProgress::bytes_done>("bytes_done"),
      integer<PhaseProgress, &PhaseProgress::bytes_total>("bytes_total"),
      integer<PhaseProgress, &PhaseProgress::rows_done>("rows_done"),
      integer<PhaseProgress, &PhaseProgress::rows_total>("rows_total"),
      integer<PhaseProgress, &PhaseProgress::started_at>("started_at"),
      integer<PhaseProgress, &PhaseProgress::finished_at>("finished_at"),
  };
  return columns;
}

template <class T>
std::string column_list(const std::vector<Column<T>>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

// "INSERT INTO t (lead..., columns...) VALUES (?1, ...) ON CONFLICT (conflict) DO UPDATE
// SET c = excluded.c" for every column but the lead ones and the first `keys` columns.
template <class T>
std::string upsert_sql(const std::string& table, const std::vector<std::string>& lead,
                       const std::vector<Column<T>>& columns, std::size_t keys,
                       const std::string& conflict) {
  std::string names, params, updates;
  int n = 0;
  auto add = [&](const std::string& name, bool is_key) {
    names += (n ? ", " : "") + name;
    params += (n ? ", ?" : "?") + std::to_string(n + 1);
    ++n;
    if (!is_key) updates += (updates.empty() ? "" : ", ") + name + " = excluded." + name;
  };
  for (const auto& name : lead) add(name, true);
  for (std::size_t i = 0; i < columns.size(); ++i) add(columns[i].name, i < keys);
  return "INSERT INTO " + table + " (" + names + ") VALUES (" + params + ") ON CONFLICT (" +
         conflict + ") DO UPDATE SET " + updates;
}

// Names the column in a read error: "column state holds 'x', ...".
Error in_column(Error e, const std::string& name) {
  e.message = "column " + name + " " + e.message;
  e.field = name;
  return e;
}

template <class T>
void bind_row(Stmt& stmt, int first, const std::vector<Column<T>>& columns, const T& v) {
  for (std::size_t i = 0; i < columns.size(); ++i)
    columns[i].bind(stmt, first + static_cast<int>(i), v);
}

template <class T>
Status read_row(const Stmt& stmt, int first, const std::vector<Column<T>>& columns, T& v) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    auto st = columns[i].read(stmt, first + static_cast<int>(i), v);
    if (!st) return in_column(st.error(), columns[i].name);
  }
  return ok_status();
}

template <class E>
Result<E> read_spelling(const Stmt& stmt, int col, const char* name,
                        std::optional<E> (*parse)(const std::string&)) {
  std::string value = stmt.column_text(col);
  auto parsed = parse(value);
  if (!parsed) return in_column(unknown_spelling(value), name);
  return *parsed;
}

}  // namespace

std::string session_upsert_sql() {
  // The id is the first column and the conflict key: it is never updated.
  return upsert_sql<Session>("sessions", {}, session_columns(), 1, "id");
}

void bind_session(Stmt& stmt, const Session& s) { bind_row(stmt, 1, session_columns(), s); }

std::string session_select_sql(const std::string& tail) {
  return "SELECT " + column_list(session_columns()) + " FROM sessions " + tail;
}

Status read_session(const Stmt& stmt, Session& out) {
  return read_row(stmt, 0, session_columns(), out);
}

std::string checkpoint_upsert_sql() {
  return upsert_sql<PhaseProgress>("checkpoints", {"session_id", "phase"}, checkpoint_columns(),
                                   0, "session_id, phase");
}

void bind_checkpoint(Stmt& stmt, const std::string& session_id, Phase phase,
                     const PhaseProgress& p) {
  stmt.bind(1, session_id);
  stmt.bind(2, std::string(to_string(phase)));
  bind_row(stmt, 3, checkpoint_columns(), p);
}

std::string checkpoint_select_sql() {
  return "SELECT phase, " + column_list(checkpoint_columns()) +
         " FROM checkpoints WHERE session_id = ?1";
}

Result<Phase> read_checkpoint(const Stmt& stmt, Session& out) {
  auto phase = read_spelling<Phase>(stmt, 0, "checkpoints.phase", parse_phase);
  if (!phase) return phase.error();
  auto st = read_row(stmt, 1, checkpoint_columns(), out.progress(*phase));
  if (!st) return st.error();
  return *phase;
}

std::string transition_insert_sql() {
  return "INSERT INTO transitions (session_id, seq, at, from_state, to_state, phase, event, "
         "detail) VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transitions WHERE "
         "session_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7) RETURNING seq";
}

void bind_transition(Stmt& stmt, const TransitionRecord& rec) {
  stmt.bind(1, rec.session_id);
  stmt.bind(2, static_cast<std::int64_t>(rec.at));
  stmt.bind(3, std::string(to_string(rec.from_state)));
  stmt.bind(4, std::string(to_string(rec.to_state)));
  stmt.bind(5, std::string(to_string(rec.phase)));
  stmt.bind(6, rec.event);
  stmt.bind(7, rec.detail);
}

std::string transition_select_sql() {
  return "SELECT session_id, seq, at, from_state, to_state, phase, event, detail "
         "FROM transitions WHERE session_id = ?1 ORDER BY seq";
}

Result<TransitionRecord> read_transition(const Stmt& stmt) {
  TransitionRecord rec;
  rec.session_id = stmt.column_text(0);
  rec.seq = static_cast<std::uint64_t>(stmt.column_int(1));
  rec.at = stmt.column_int(2);
  auto from = read_spelling<State>(stmt, 3, "transitions.from_state", parse_state);
  auto to = read_spelling<State>(stmt, 4, "transitions.to_state", parse_state);
  auto phase = read_spelling<Phase>(stmt, 5, "transitions.phase", parse_phase);
  if (!from) return from.error();
  if (!to) return to.error();
  if (!phase) return phase.error();
  rec.from_state = *from;
  rec.to_state = *to;
  rec.phase = *phase;
  rec.event = stmt.column_text(6);
  rec.detail = stmt.column_text(7);
  return rec;
}

std::string log_insert_sql() {
  return "INSERT INTO log_lines (session_id, at, level, text) VALUES (?1, ?2, ?3, ?4)";
}

void bind_log(Stmt& stmt, const LogLine& line) {
  stmt.bind(1, line.session_id);
  stmt.bind(2, static_cast<std::int64_t>(line.at));
  stmt.bind(3, std::string(log_level_spelling(line.level)));
  stmt.bind(4, line.text);
}

std::string log_select_sql() {
  // Newest ?2 lines by insertion order, then flipped to read top to bottom.
  return "SELECT session_id, at, level, text FROM (SELECT id, session_id, at, level, text "
         "FROM log_lines WHERE session_id = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id";
}

Result<LogLine> read_log(const Stmt& stmt) {
  LogLine line;
  line.session_id = stmt.column_text(0);
  line.at = stmt.column_int(1);
  std::string level = stmt.column_text(2);
  if (!log::parse_level(level, line.level))
    return in_column(unknown_spelling(level), "log_lines.level");
  line.text = stmt.column_text(3);
  return line;
}

}  // namespace tandem::journal_codec
