#include "persistence/dataplane/backend_activity.hpp"

#include "persistence/dataplane/session_settings.hpp"

namespace tandem {
namespace {

// Ours (by application_name) in this database, but not the watcher itself; periodic
// sync's connections only when $2 names their purpose (PostgreSQL keeps 63 bytes of an
// application_name); for a backend waiting on a lock, the first process holding it.
// pg_blocking_pids takes the lock manager's locks, so it runs only for those waiting.
constexpr const char* kSql = R"(
SELECT a.pid, substr(a.application_name, length($1) + 1), coalesce(a.state, ''),
       coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''),
       coalesce(extract(epoch FROM now() - a.query_start)::bigint, 0),
       coalesce(b.pid, 0), coalesce(b.application_name, ''), coalesce(b.state, ''),
       coalesce(extract(epoch FROM now() - coalesce(b.xact_start, b.query_start))::bigint, 0),
       coalesce(left(regexp_replace(b.query, '\s+', ' ', 'g'), 120), '')
FROM pg_stat_activity a
LEFT JOIN LATERAL (
  SELECT blocking.pid FROM unnest(CASE WHEN a.wait_event_type = 'Lock'
                                       THEN pg_blocking_pids(a.pid) END) AS blocking(pid)
  ORDER BY blocking.pid LIMIT 1) first_blocker ON true
LEFT JOIN pg_stat_activity b ON b.pid = first_blocker.pid
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
  AND CASE WHEN $2 = '' THEN starts_with(a.application_name, $1)
                          AND NOT starts_with(a.application_name, $1 || 'periodic')
           ELSE a.application_name = convert_from(substring(convert_to($1 || $2, 'UTF8') FROM 1 FOR 63), 'UTF8')
      END
ORDER BY a.pid)";

std::int64_t as_int(const pg::Value& v) { return v ? std::stoll(*v) : 0; }

std::string seconds(std::int64_t s) { return std::to_string(s) + " s"; }

std::string blocked_detail(const BackendSeen& b) {
  std::string text = b.purpose + " waits for a lock";
  if (b.blocker_pid == 0) return text + " (" + b.wait_event + ")";
  text += " held by process " + std::to_string(b.blocker_pid);
  if (b.blocker_state.empty())  // another role's backend, and we may not see its state
    return text + " (its details need the pg_read_all_stats role to be shown)";
  text += " (";
  if (!b.blocker_application.empty()) text += "application \"" + b.blocker_application + "\", ";
  text += b.blocker_state + ", its transaction open for " + seconds(b.blocker_transaction_s);
  if (!b.blocker_query.empty())
    text += (b.blocker_state == "active" ? "; running: " : "; last statement: ") + b.blocker_query;
  return text + ")";
}

bool executing(const BackendSeen& b) {
  return b.state == "active" && b.wait_event_type != "Lock" && b.wait_event_type != "Client";
}

}  // namespace

const char* to_string(BackendActivity::Kind k) {
  switch (k) {
    case BackendActivity::Kind::working: return "working";
    case BackendActivity::Kind::blocked: return "blocked";
    case BackendActivity::Kind::idle: break;
  }
  return "idle";
}

BackendActivity classify(const std::vector<BackendSeen>& backends) {
  for (const auto& b : backends)
    if (b.wait_event_type == "Lock") return {BackendActivity::Kind::blocked, blocked_detail(b)};
  for (const auto& b : backends)
    if (executing(b))
      return {BackendActivity::Kind::working, b.purpose + ": a statement running for " + seconds(b.statement_s)};
  return {};
}

Result<std::vector<BackendSeen>> data_plane_backends(pg::Connection& conn, const std::string& purpose) {
  auto rows = conn.query(kSql, {std::string(kApplicationPrefix), purpose});
  if (!rows.ok()) return rows.error();
  std::vector<BackendSeen> out;
  for (const auto& r : *rows) {
    if (r.size() != 11) return make_error(pg::kError, "pg_stat_activity: unexpected row shape");
    BackendSeen b;
    b.pid = static_cast<int>(as_int(r[0]));
    b.purpose = r[1].value_or("");
    b.state = r[2].value_or("");
    b.wait_event_type = r[3].value_or("");
    b.wait_event = r[4].value_or("");
    b.statement_s = as_int(r[5]);
    b.blocker_pid = static_cast<int>(as_int(r[6]));
    b.blocker_application = r[7].value_or("");
    b.blocker_state = r[8].value_or("");
    b.blocker_transaction_s = as_int(r[9]);
    b.blocker_query = r[10].value_or("");
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace tandem
