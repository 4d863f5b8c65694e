// peer_gateway — published on actor.listen; the only actor an unauthenticated node can
// talk to. It runs the server side of the handshake (peer_auth.hpp) and gives each
// authenticated peer its own endpoint actor with a fresh session token. Anything else
// sent to it is dropped and logged; a node with the wrong secret is refused and logged.
//
// peer_endpoint — one per authenticated peer connection. Checks the token on every
// request and passes it to the job manager together with the peer's node id, so the
// manager can check the peer takes part in the session it asks about. It ends when the
// peer's link actor goes away (the connection dropped).
#include <caf/all.hpp>

#include <chrono>
#include <map>

#include "actors/messages.hpp"
#include "actors/peer_auth.hpp"
#include "actors/spawn.hpp"
#include "base/constant_time.hpp"
#include "base/log.hpp"

namespace tandem {
namespace {

using namespace std::chrono;

constexpr std::size_t kNonceHexLen = 32;
constexpr std::size_t kMaxPendingChallenges = 64;

struct Pending {
  std::string client_id;
  std::string client_nonce;
  steady_clock::time_point expires;
};

struct gateway_state {
  NodeContextPtr ctx;
  caf::actor manager;
  std::map<std::string, Pending> pending;  // server nonce -> who asked
  static inline const char* name = "peer_gateway";
};

bool plausible(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max;
}

// Passes a request on to the manager with the peer's id in front, or answers `refusal`
// when the token is wrong.
template <class Refusal, class... Ts>
caf::response_promise pass(caf::event_based_actor* self, bool token_ok, const std::string& what,
                           const std::string& client, Refusal refusal, const caf::actor& manager,
                           Ts&&... xs) {
  auto rp = self->make_response_promise();
  if (!token_ok) {
    log::warn("gateway") << "refused " << what << " from " << client << ": bad session token";
    rp.deliver(std::move(refusal));
  } else {
    rp.delegate(manager, std::forward<Ts>(xs)...);
  }
  return rp;
}

caf::behavior peer_endpoint(caf::event_based_actor* self, caf::actor manager, std::string client,
                            std::string token, caf::actor client_link) {
  self->monitor(client_link);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  self->set_default_handler(caf::drop);
  auto ok = [=](const std::string& t) { return constant_time_equal(t, token); };
  const peer_reply refused{"refused", "bad token", {}};
  return {
      [=](reserve_atom a, const std::string& t, const std::string& session) {
        return pass(self, ok(t), "reserve", client, refused, manager, a, client, session);
      },
      [=](push_atom a, const std::string& t, const std::string& session) {
        return pass(self, ok(t), "push", client, refused, manager, a, client, session);
      },
      [=](backup_atom a, const std::string& t, const std::string& session) {
        return pass(self, ok(t), "backup", client, backup_state("refused", "bad token"),
                    manager, a, client, session);
      },
      [=](chunk_atom a, const std::string& t, const std::string& id, std::uint64_t index) {
        return pass(self, ok(t), "chunk", client, chunk_reply{"refused", index, {}, {}, "bad token"},
                    manager, a, client, id, index);
      },
      [=](mirror_atom a, const std::string& t, const std::string& session) {
        return pass(self, ok(t), "mirror", client, refused, manager, a, client, session);
      },
      [=](cancel_atom a, const std::string& t, const std::string& id, const std::string& reason) {
        return pass(self, ok(t), "cancel", client, refused, manager, a, client, id, reason);
      },
      [=](changes_atom a, const std::string& t, const std::string& cursor, std::uint64_t limit) {
        return pass(self, ok(t), "changes", client, std::string(R"({"error":"bad token"})"), manager,
                    a, client, cursor, limit);
      },
      [=](get_atom a, const std::string& t, const std::string& id) {
        return pass(self, ok(t), "get", client, refused, manager, a, client, id);
      },
  };
}

caf::behavior peer_gateway(caf::stateful_actor<gateway_state>* self, NodeContextPtr ctx,
                           caf::actor manager) {
  self->state.ctx = std::move(ctx);
  self->state.manager = std::move(manager);
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
    log::warn("gateway") << "dropped an unexpected message: " << caf::to_string(x.content());
    return caf::sec::unexpected_message;
  });
  return {
      [=](hello_atom, const std::string& client_id,
          const std::string& client_nonce) -> caf::result<peer_challenge> {
        auto& st = self->state;
        if (!st.ctx->config.find_peer(client_id) || client_nonce.size() != kNonceHexLen) {
          log::warn("gateway") << "refused hello from unknown node \"" << client_id.substr(0, 64)
                               << "\" (not in peers)";
          return caf::sec::request_receiver_down;
        }
        auto now = steady_clock::now();
        for (auto it = st.pending.begin(); it != st.pending.end();)
          it = it->second.expires < now ? st.pending.erase(it) : std::next(it);
        if (st.pending.size() >= kMaxPendingChallenges) return caf::sec::request_receiver_down;
        std::string server_nonce = random_hex();
        st.pending[server_nonce] = Pending{client_id, client_nonce, now + seconds(30)};
        return peer_challenge{st.ctx->node_id(), server_nonce,
                              handshake_proof(st.ctx->config.actor_secret, ProofRole::server,
                                              st.ctx->node_id(), client_id, client_nonce,
                                              server_nonce)};
      },
      [=](auth_atom, const std::string& client_id, const std::string& client_nonce,
          const std::string& server_nonce, const std::string& proof,
          const caf::actor& client_link) -> caf::result<std::string, caf::actor> {
        auto& st = self->state;
        auto it = st.pending.find(server_nonce);
        bool known = it != st.pending.end() && it->second.client_id == client_id &&
                     it->second.client_nonce == client_nonce &&
                     it->second.expires >= steady_clock::now();
        if (it != st.pending.end()) st.pending.erase(it);  // a nonce is good once
        auto expected = handshake_proof(st.ctx->config.actor_secret, ProofRole::client,
                                        st.ctx->node_id(), client_id, client_nonce, server_nonce);
        if (!known || !plausible(proof, 128) || !constant_time_equal(expected, proof) ||
            !client_link) {
          log::warn("gateway") << "refused node \"" << client_id.substr(0, 64)
                               << "\": wrong proof (is actor.secret the same on both nodes?)";
          return caf::sec::request_receiver_down;
        }
        std::string token = random_hex();
        // Linked: endpoints end with the gateway (shutdown), not only with their peer.
        auto endpoint = self->spawn<caf::linked>(peer_endpoint, st.manager, client_id, token, client_link);
        log::info("gateway") << "node " << client_id << " authenticated";
        return {token, endpoint};
      },
  };
}

}  // namespace

caf::actor spawn_peer_gateway(caf::actor_system& sys, NodeContextPtr ctx, caf::actor manager) {
  return sys.spawn(peer_gateway, std::move(ctx), std::move(manager));
}

}  // namespace tandem
