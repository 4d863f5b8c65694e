// The client half of the HTTP fallback transport: one signed request to a peer's HTTP
// port, its answer checked for the peer's signature (actors/peer_http_auth.hpp). CAF-free
// and blocking; http_peer.cpp calls it from a detached actor per request.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "base/result.hpp"
#include "config/address.hpp"

namespace tandem {

struct PeerHttpAnswer {
  int status = 0;
  std::string body;
  std::string checksum;  // X-Tandem-Checksum, on a chunk
};

class PeerHttpClient {
 public:
  PeerHttpClient(std::string node_id, std::string secret, HostPort peer)
      : node_id_(std::move(node_id)), secret_(std::move(secret)), peer_(std::move(peer)) {}

  // METHOD target ("/api/sync/…?…") with a JSON body (empty for GET). Errors: the peer
  // cannot be reached or answered too slowly ("peer_http", retryable by the job), its
  // answer is bigger than max_body, or not signed with this secret.
  Result<PeerHttpAnswer> call(const std::string& method, const std::string& target,
                              const std::string& body, std::chrono::seconds timeout,
                              std::size_t max_body) const;

 private:
  std::string node_id_;
  std::string secret_;
  HostPort peer_;
};

}  // namespace tandem
