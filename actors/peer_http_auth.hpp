// Node-to-node HTTP (the fallback transport): how a request proves which peer sent it,
// and how the answer proves it came from a node that knows `actor.secret`. CAF-free; the
// HTTP edge (http/peer_routes.cpp) checks requests, actors/peer_http_client.cpp signs them.
//
// Request headers:
//   X-Tandem-Node: <sender's node id>
//   X-Tandem-Time: <sender's clock, ms since the epoch>
//   X-Tandem-Signature: HMAC(secret, "tandem-http-v1|request|" + node + "|" + time + "|" +
//                            METHOD + "|" + path?query + "|" + SHA-256(body))
// Response header:
//   X-Tandem-Signature: HMAC(secret, "tandem-http-v1|response|" + request signature + "|" +
//                            status + "|" + digest)
//   where digest is SHA-256(body) for JSON answers and, for a chunk, its checksum header
//   (the chunk's bytes are checked against that checksum from the signed manifest when
//   they are stored, so hashing 4 MiB twice buys nothing).
// A request is accepted within kMaxClockSkewMs of the receiver's clock; within that window
// a recorded request can be replayed, which the routes tolerate: every one of them is
// idempotent for the session it names (start/poll backup, read a chunk, mirror, cancel).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/result.hpp"

namespace tandem {

constexpr std::int64_t kMaxClockSkewMs = 120'000;

struct SignedRequest {
  std::string node;
  std::string time;
  std::string signature;
};

std::string peer_request_signature(const std::string& secret, const std::string& node,
                                   const std::string& time, const std::string& method,
                                   const std::string& target, const std::string& body);

// The three request headers for `node` sending METHOD target with body, now.
std::map<std::string, std::string> sign_peer_request(const std::string& secret,
                                                     const std::string& node,
                                                     const std::string& method,
                                                     const std::string& target,
                                                     const std::string& body);

// Checks a request's headers (names lower-cased) against the secret, the clock and the
// list of known peers; the sender's node id when good. Errors name what is wrong
// without saying which part of a signature failed.
Result<std::string> verify_peer_request(const std::string& secret,
                                        const std::map<std::string, std::string>& headers,
                                        const std::string& method, const std::string& target,
                                        const std::string& body, std::int64_t now_ms,
                                        const std::function<bool(const std::string&)>& known_peer);

std::string peer_response_signature(const std::string& secret, const std::string& request_signature,
                                    int status, const std::string& digest);

}  // namespace tandem
