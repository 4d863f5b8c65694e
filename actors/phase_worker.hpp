// Workers: one detached (blocking) actor per run of a blocking phase — backup on the
// source; convert, restore, verify and staging cleanup on the target. A worker reports
// to its job with worker_report messages (progress at most every 200 ms, then exactly
// one "done" or "failed") and ends. The job cancels it through the shared CancelToken.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

#include "actors/node_context.hpp"
#include "persistence/dataplane/phase_control.hpp"
#include "statemachine/session.hpp"

namespace tandem {

// Range diff, all in the backup phase before the backup itself (dataplane/range_probe.hpp,
// range_digest.hpp): probe, the target's probe of its big tables (detail: the probe as
// JSON); judge_probe, the source's verdict on it (input: the probe; detail: the verdict
// as JSON); digest, the target's range digest (input: a JSON list of tables to leave
// out, "" none; detail: the digest as JSON).
enum class WorkerTask { probe, judge_probe, digest, backup, convert, restore, verify, drop_staging };

struct WorkerOrder {
  WorkerTask task = WorkerTask::backup;
  Session session;                       // as the job knows it when it starts the worker
  std::uint32_t attempt = 0;             // copied into every report (stale-work guard)
  std::shared_ptr<CancelToken> cancel;   // the job keeps the other reference
  std::string input_json;                // backup: the target's range digest ("" none); see above
};

caf::actor spawn_phase_worker(caf::actor_system& sys, NodeContextPtr ctx, caf::actor job,
                              WorkerOrder order);

// Errors worth retrying: the database or the disk may come back; a schema mismatch,
// a verify mismatch or a corrupt chunk will not.
bool is_retryable(const Error& e);

}  // namespace tandem
