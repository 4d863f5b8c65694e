// notifier — tells this node's admins that a full-sync session ended: a webhook POST
// and/or an e-mail, as this node's `notify` config asks (notify/ does the sending).
//
// Which node notifies: each node notifies its own admins, with its own notify config,
// when its copy of a session ends — the target when its state machine emits the Notify
// effect (target_job's run_effect), the source when its mirror of the session ends
// (source_job's finish()). With notify configured on both nodes an admin hears twice,
// once from each; the body's "node" names the sender.
//
// Messages: (notify_atom, std::string session_json) — the ended session as JSON
// (statemachine/session_json.hpp). Fire and forget: no reply.
//
// Detached: a try blocks this actor's own thread (up to notify's kDeliveryTimeout),
// never a job's. Retries are timers (delayed messages to itself), not sleeps, so a
// shutdown stops the notifier between tries at once.
//
// Durable: every notification is written to the outbox (<state_dir>/outbox, see
// notify/outbox.hpp) before its first try, with its try count after each failed one;
// one still undelivered at a stop or crash stays there, and spawn_notifier resumes it
// (with the tries it has left). Enqueueing is idempotent per (session, event, channel):
// a session ended twice (a job resumed after a crash) is not notified twice.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/node_context.hpp"

namespace tandem {

caf::actor spawn_notifier(caf::actor_system& sys, NodeContextPtr ctx);

}  // namespace tandem
