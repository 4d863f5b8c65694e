// Node authentication: a peer proves it knows `actor.secret` without sending it.
// CAF-free; the gateway and the peer link use it.
//
// Handshake (mutual), over the gateway's two messages:
//   client -> gateway : hello(client_id, client_nonce)
//   gateway -> client : challenge(server_id, server_nonce, proof_s)
//        proof_s = HMAC(secret, "tandem-v1|server|" + server_id + "|" + client_id + "|" + client_nonce + "|" + server_nonce)
//   client checks proof_s (the gateway knows the secret too), then
//   client -> gateway : auth(client_id, client_nonce, server_nonce, proof_c)
//        proof_c = HMAC(secret, "tandem-v1|client|" + …same fields…)
//   gateway checks proof_c and that it issued server_nonce (once), then hands out an
//   endpoint with a fresh random session token that every later request carries.
// Nonces are 128 random bits; a server nonce is accepted once and expires.
#pragma once

#include <string>

namespace tandem {

// Hex of HMAC-SHA256(key, message).
std::string hmac_sha256_hex(const std::string& key, const std::string& message);

// Hex of SHA-256(data).
std::string sha256_hex(const std::string& data);

// 2*bytes hex characters from the kernel's random source.
std::string random_hex(std::size_t bytes = 16);

enum class ProofRole { client, server };

std::string handshake_proof(const std::string& secret, ProofRole role,
                            const std::string& server_id, const std::string& client_id,
                            const std::string& client_nonce, const std::string& server_nonce);

}  // namespace tandem
