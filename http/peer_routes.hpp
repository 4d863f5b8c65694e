// The node-to-node routes of the HTTP fallback transport (`method: "http"`), served for
// peers, not admins: each request must carry a peer's signature made with actor.secret
// (actors/peer_http_auth.hpp) instead of the admin token, and each answer is signed back.
// Every route hands the request to the job manager exactly as the actor link's gateway
// would (NodeApi::peer_call), so both transports share one implementation of a session.
//
//   POST /api/sync/initiate-backup   body: the session     -> backup status (start / poll)
//   GET  /api/sync/receive-backup?sessionId=&chunk=N        -> the chunk's stored bytes,
//        application/octet-stream, with X-Tandem-Checksum (not base64)
//   POST /api/sync/restore-backup    body: the session     -> the target takes a push
//   POST /api/sync/reserve           body: the session     -> the source holds its lock
//   POST /api/sync/mirror            body: the session     -> the source's copy of it
//   POST /api/sync/cancel            {sessionId, reason}   -> cancel on this node
//   GET  /api/sync/session?sessionId=                      -> this node's copy of it
#pragma once

#include "actors/node_api.hpp"
#include "config/config.hpp"
#include "http/router.hpp"

namespace tandem::http {

void add_peer_routes(Router& router, NodeApi& node, const Config& config);

}  // namespace tandem::http
