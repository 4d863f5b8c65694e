// tandemctl's text views of the API's JSON (shapes in http/api_views.hpp and SPEC.md,
// "HTTP API"). Pure: JSON in, text out, so the output can be unit-tested without a
// node. Readers are lenient: a missing field shows as "-" rather than failing.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tandem::cli {

// A field as display text: strings as they are, whole numbers as such, other numbers
// with one decimal, booleans as yes/no, null or missing as "-". Never throws.
std::string cell(const nlohmann::json& obj, const char* key);

// Node id -> name, from GET /api/admin/sync/peers ({nodes: [{id, name, ...}]}).
using NodeNames = std::map<std::string, std::string>;
NodeNames node_names(const nlohmann::json& peers);

// "Server A → Server B" (source → target, as the UI shows it); ids stand in for
// unknown names.
std::string direction_text(const std::string& source, const std::string& target,
                           const NodeNames& names);

// The sessions of GET /api/admin/sync/sessions that are still live (queued or running).
std::vector<nlohmann::json> live_sessions(const nlohmann::json& sessions);

// `history`: ID, DIRECTION, STATE, STARTED, BYTES, ROWS; a failed session's error on
// the line below it. "No full syncs yet." when the list is empty.
std::string render_history(const nlohmann::json& sessions, const NodeNames& names);

// "    held up: restore waits for a lock held by process …\n" for a session (progress or
// summary) whose phase waits for another transaction's lock; "" otherwise.
std::string held_up_line(const nlohmann::json& session);

// `show ID`: the session's fields, its phases, and its log lines when the node sends
// them (`log`: strings or {at, message}).
std::string render_session(const nlohmann::json& detail, const NodeNames& names);

// `peers`: ID, NAME, ROLE ("this node" / "peer"), REACHABLE, DETAIL.
std::string render_peers(const nlohmann::json& peers);

// `periodic`: per peer {peer, name?, state, lastRoundAt, lagSeconds, pending, applied,
// conflicts, lastError?, blockedBy?}, from an array or from {peers: [...]}; errors and
// what holds a round up under the table.
std::string render_periodic(const nlohmann::json& periodic, const NodeNames& names);

// The recorded conflicts ({conflicts: [...]}), one line each, newest first:
// "2026-11-25 12:00:31  public.products (id 5): kept Server B's version (the later change wins)".
// Each line starts with `indent`.
std::string render_conflicts(const nlohmann::json& conflicts, const NodeNames& names,
                             const std::string& indent = "");

// The quarantined changes ({total, changes: [...]}), oldest first, two lines each:
// "#7  2026-11-25 12:00:31  public.products (id 5): update from Server B, retried 2 times"
// and, indented, the first line of why it failed; "The oldest N of T are shown." when
// more are held. Each line starts with `indent`.
std::string render_quarantine(const nlohmann::json& answer, const NodeNames& names,
                              const std::string& indent = "");

}  // namespace tandem::cli
