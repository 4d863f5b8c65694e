#include "actors/peer_http_auth.hpp"

#include <chrono>
#include <functional>
#include <stdexcept>

#include "actors/peer_auth.hpp"
#include "base/constant_time.hpp"

namespace tandem {
namespace {

std::string header(const std::map<std::string, std::string>& h, const char* name) {
  auto it = h.find(name);
  return it == h.end() ? std::string() : it->second;
}

Error refused(const std::string& why) { return make_error("peer_auth", why, "X-Tandem-Signature"); }

}  // namespace

std::string peer_request_signature(const std::string& secret, const std::string& node,
                                   const std::string& time, const std::string& method,
                                   const std::string& target, const std::string& body) {
  return hmac_sha256_hex(secret, "tandem-http-v1|request|" + node + "|" + time + "|" + method + "|" +
                                     target + "|" + sha256_hex(body));
}

std::map<std::string, std::string> sign_peer_request(const std::string& secret,
                                                     const std::string& node,
                                                     const std::string& method,
                                                     const std::string& target,
                                                     const std::string& body) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string time = std::to_string(now);
  return {{"X-Tandem-Node", node},
          {"X-Tandem-Time", time},
          {"X-Tandem-Signature", peer_request_signature(secret, node, time, method, target, body)}};
}

Result<std::string> verify_peer_request(const std::string& secret,
                                        const std::map<std::string, std::string>& headers,
                                        const std::string& method, const std::string& target,
                                        const std::string& body, std::int64_t now_ms,
                                        const std::function<bool(const std::string&)>& known_peer) {
  std::string node = header(headers, "x-tandem-node");
  std::string time = header(headers, "x-tandem-time");
  std::string signature = header(headers, "x-tandem-signature");
  if (node.empty() || time.empty() || signature.empty())
    return refused("node-to-node route: X-Tandem-Node, X-Tandem-Time and X-Tandem-Signature are required");
  if (node.size() > 64 || !known_peer(node)) return refused("node \"" + node.substr(0, 64) + "\" is not a peer");
  std::int64_t at = 0;
  try {
    std::size_t used = 0;
    at = std::stoll(time, &used);
    if (used != time.size()) throw std::invalid_argument(time);
  } catch (const std::exception&) {
    return refused("X-Tandem-Time is not a number of milliseconds");
  }
  if (at < now_ms - kMaxClockSkewMs || at > now_ms + kMaxClockSkewMs)
    return refused("X-Tandem-Time is more than 120 s away from this node's clock");
  auto expected = peer_request_signature(secret, node, time, method, target, body);
  if (!constant_time_equal(expected, signature))
    return refused("bad node signature (is actor.secret the same on both nodes?)");
  return node;
}

std::string peer_response_signature(const std::string& secret, const std::string& request_signature,
                                    int status, const std::string& digest) {
  return hmac_sha256_hex(secret, "tandem-http-v1|response|" + request_signature + "|" +
                                     std::to_string(status) + "|" + digest);
}

}  // namespace tandem
