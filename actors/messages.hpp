// Every message that crosses an actor boundary, local or remote, in one place: atoms and
// plain structs with their `inspect` functions. Remote-safe: only strings, integers and
// byte vectors (std::vector<char> serialises at GB/s in CAF 0.17; caf::byte does not).
// A Session travels as its JSON text (statemachine/session_json.hpp), a Manifest likewise.
//
// Frozen: a type's name (the string given to add_message_type) and its field order never
// change; add new types instead. register_message_types() must run in every process.
#pragma once

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace caf {
class actor_system_config;
}

namespace tandem {

// ---- peer handshake (gateway) --------------------------------------------------------
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using auth_atom = caf::atom_constant<caf::atom("auth")>;

struct peer_challenge {
  std::string server_id;
  std::string server_nonce;
  std::string proof;  // the server's proof that it knows the secret
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_challenge& x) {
  return f(caf::meta::type_name("tandem::peer_challenge"), x.server_id, x.server_nonce, x.proof);
}

// ---- peer requests (to an authenticated endpoint; every one carries the token) -------
using reserve_atom = caf::atom_constant<caf::atom("reserve")>;    // T->S: hold the lock for a pull
using push_atom = caf::atom_constant<caf::atom("push")>;          // S->T: drive this push
using backup_atom = caf::atom_constant<caf::atom("backup")>;      // T->S: start/poll the backup
using chunk_atom = caf::atom_constant<caf::atom("chunk")>;        // T->S: one chunk's bytes
using mirror_atom = caf::atom_constant<caf::atom("mirror")>;      // T->S: the session as it is now
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;      // either way: cancel a session
using ping_atom = caf::atom_constant<caf::atom("ping")>;          // liveness of the link
using changes_atom = caf::atom_constant<caf::atom("changes")>;    // periodic: a batch after a cursor

// The answer to reserve/push/mirror/cancel: status "ok", "busy" (session_id names the
// running session), "gone" (no such live session), "refused" (bad token), "error".
struct peer_reply {
  std::string status;
  std::string detail;
  std::string session_id;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_reply& x) {
  return f(caf::meta::type_name("tandem::peer_reply"), x.status, x.detail, x.session_id);
}

// The answer to backup: how far the source's backup is; the manifest when done.
struct backup_status {
  std::string state;  // "running", "probed", "done", "failed", "gone", "refused"
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t rows_done = 0;
  std::uint64_t rows_total = 0;
  std::string manifest_json;  // when done
  std::string error;          // when failed
  std::string probe_verdict;  // state "probed": the source's verdict on the range probe (JSON)
  std::string activity;         // state "running": the backup's last activity report kind
  std::string activity_detail;  // and its detail (worker_report, is_activity)
  std::string table;            // state "running": the table the backup is at
};
// A status that carries only its state (and why): "running" before any figure, "gone",
// "refused", "failed".
inline backup_status backup_state(std::string state, std::string error = {}) {
  backup_status b;
  b.state = std::move(state);
  b.error = std::move(error);
  return b;
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, backup_status& x) {
  return f(caf::meta::type_name("tandem::backup_status"), x.state, x.bytes_done, x.bytes_total,
           x.rows_done, x.rows_total, x.manifest_json, x.error, x.probe_verdict, x.activity,
           x.activity_detail, x.table);
}

// The answer to chunk: the stored bytes of one chunk and its checksum.
struct chunk_reply {
  std::string status;  // "ok", "gone", "refused", "error"
  std::uint64_t index = 0;
  std::string checksum;
  std::string bytes;  // a byte sequence to CAF, like std::vector<char>, and movable from the spool's read
  std::string error;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_reply& x) {
  return f(caf::meta::type_name("tandem::chunk_reply"), x.status, x.index, x.checksum, x.bytes,
           x.error);
}

// ---- local messages (inside one node) -------------------------------------------------
using start_atom = caf::atom_constant<caf::atom("start")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using stuck_atom = caf::atom_constant<caf::atom("stuck")>;
using link_atom = caf::atom_constant<caf::atom("peerlink")>;
using up_atom = caf::atom_constant<caf::atom("up")>;
using down_atom = caf::atom_constant<caf::atom("down")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using stored_atom = caf::atom_constant<caf::atom("stored")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using pending_atom = caf::atom_constant<caf::atom("pending")>;
using conflicts_atom = caf::atom_constant<caf::atom("conflicts")>;
using quarantine_atom = caf::atom_constant<caf::atom("quarantine")>;  // list quarantined changes
using qretry_atom = caf::atom_constant<caf::atom("qretry")>;          // retry one of them
using qdiscard_atom = caf::atom_constant<caf::atom("qdiscard")>;      // discard one of them
using qretryall_atom = caf::atom_constant<caf::atom("qretryall")>;    // retry all of them
using pause_atom = caf::atom_constant<caf::atom("pause")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using fullsync_atom = caf::atom_constant<caf::atom("fullsync")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using activity_atom = caf::atom_constant<caf::atom("activity")>;  // an apply's watch: kind, detail
using cursor_atom = caf::atom_constant<caf::atom("cursor")>;
using prune_atom = caf::atom_constant<caf::atom("prune")>;
using notify_atom = caf::atom_constant<caf::atom("notify")>;   // a session ended: tell the admins

// A worker (blocking, detached) reports on the phase it runs. `attempt` is the stale-work
// guard: the job drops reports whose attempt is not its session's current one.
struct worker_report {
  std::uint32_t attempt = 0;
  std::string phase;
  // "progress"; "done", "failed", "cancelled" (the last report); or what the activity
  // watch saw between them: "working", "blocked" (detail says on what), "idle".
  std::string kind;
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t rows_done = 0;
  std::uint64_t rows_total = 0;
  std::string detail;   // error text, or a phase result (e.g. manifest JSON)
  bool retryable = false;
  std::string code;     // the error's code when failed (e.g. "chunk_missing")
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_report& x) {
  return f(caf::meta::type_name("tandem::worker_report"), x.attempt, x.phase, x.kind,
           x.bytes_done, x.bytes_total, x.rows_done, x.rows_total, x.detail, x.retryable,
           x.code);
}

// A report from the activity watch (not the phase's own progress or outcome).
inline bool is_activity(const worker_report& r) {
  return r.kind == "working" || r.kind == "blocked" || r.kind == "idle";
}

void register_message_types(caf::actor_system_config& cfg);

}  // namespace tandem
