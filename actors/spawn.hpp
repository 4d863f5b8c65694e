// How the node's actors are created. Internal to actors/ (CAF types in the signatures).
//
//   node (facade) ── job_manager (scheduled) ── target_job / source_job (detached, one per session)
//                │                                   └─ workers (detached, one per blocking phase)
//                ├─ notifier (detached; webhook / e-mail when a session ends)
//                ├─ peer_link per peer (connects, authenticates, hands out the endpoint)
//                └─ peer_gateway (published on actor.listen) ── peer_endpoint per authenticated peer
//
// Detached actors own a thread: spool and libpq work happen there and never on the
// scheduler's threads, so timers, cancels and progress stay live. The job manager is the
// exception: its journal calls are short, and as a detached actor it could hang the stop
// (job_manager.cpp says why).
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <map>
#include <string>

#include "actors/node_context.hpp"
#include "statemachine/session.hpp"

namespace tandem {

caf::actor spawn_peer_link(caf::actor_system& sys, NodeContextPtr ctx, PeerConfig peer);
// The HTTP fallback transport to `peer` (http_peer.cpp): a link and endpoint in one.
caf::actor spawn_http_peer(caf::actor_system& sys, NodeContextPtr ctx, const PeerConfig& peer);
caf::actor spawn_peer_gateway(caf::actor_system& sys, NodeContextPtr ctx, caf::actor manager);

// `links`: peer id -> its peer_link.
// `change_server`: periodic sync's serving side, to which peers' change requests go.
// `notifier`: tells this node's admins when a session ends (actors/notifier.hpp); handed
// to every job. Without one (null) nobody is notified.
caf::actor spawn_job_manager(caf::actor_system& sys, NodeContextPtr ctx,
                             std::map<std::string, caf::actor> links, caf::actor change_server,
                             caf::actor notifier = caf::actor{});

// The side that receives the data drives the session (the state machine's owner).
caf::actor spawn_target_job(caf::actor_system& sys, NodeContextPtr ctx, Session session,
                            bool resumed, caf::actor link, caf::actor manager,
                            caf::actor notifier);
// The side whose data is copied: runs the backup, serves chunks, mirrors the session.
caf::actor spawn_source_job(caf::actor_system& sys, NodeContextPtr ctx, Session session,
                            caf::actor link, caf::actor manager, caf::actor notifier);

}  // namespace tandem
