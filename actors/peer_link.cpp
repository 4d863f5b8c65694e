// peer_link — this node's way to one peer. Connects to the peer's gateway (asynchronously,
// through the middleman actor, with a timeout, so a frozen peer never blocks anyone),
// proves who it is and checks the peer's proof (peer_auth.hpp), then hands the peer's
// endpoint and session token to whoever asks. A lost connection (down message, seen
// within ~2 s thanks to middleman heartbeats) drops the endpoint; the next request or
// the periodic tick reconnects.
//
//   (get_atom)   -> (token, endpoint, error)   endpoint invalid and error set when down
//   (peers_atom) -> (reachable, detail)
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <vector>

#include "actors/messages.hpp"
#include "actors/peer_auth.hpp"
#include "actors/spawn.hpp"
#include "base/constant_time.hpp"
#include "base/log.hpp"

namespace tandem {
namespace {

using namespace std::chrono;

struct peer_link_state {
  NodeContextPtr ctx;
  PeerConfig peer;
  caf::actor endpoint;
  std::string token;
  bool connecting = false;
  std::string detail = "not connected yet";
  std::vector<caf::response_promise> waiting;
  static inline const char* name = "peer_link";
};

using Self = caf::stateful_actor<peer_link_state>;

void answer_all(Self* self) {
  auto& st = self->state;
  for (auto& rp : st.waiting) rp.deliver(st.token, st.endpoint, st.endpoint ? std::string() : st.detail);
  st.waiting.clear();
}

void failed(Self* self, const std::string& why) {
  auto& st = self->state;
  if (st.detail != why) log::warn("link") << "peer " << st.peer.id << ": " << why;
  st.connecting = false;
  st.endpoint = nullptr;
  st.token.clear();
  st.detail = why;
  answer_all(self);
}

void connected(Self* self, caf::actor endpoint, std::string token) {
  auto& st = self->state;
  st.connecting = false;
  st.endpoint = std::move(endpoint);
  st.token = std::move(token);
  st.detail = "connected";
  self->monitor(st.endpoint);
  log::info("link") << "peer " << st.peer.id << " (" << st.peer.actor.text() << ") connected";
  answer_all(self);
}

void authenticate(Self* self, caf::actor gateway) {
  auto& st = self->state;
  auto timeout = seconds(st.ctx->peer_request_timeout_s);
  std::string client_nonce = random_hex();
  self->request(gateway, timeout, hello_atom::value, st.ctx->node_id(), client_nonce)
      .then(
          [=](const peer_challenge& ch) {
            auto& st = self->state;
            if (ch.server_id != st.peer.id)
              return failed(self, "the node at " + st.peer.actor.text() + " says it is \"" +
                                      ch.server_id + "\", not \"" + st.peer.id + "\"");
            auto expected = handshake_proof(st.ctx->config.actor_secret, ProofRole::server,
                                            st.peer.id, st.ctx->node_id(), client_nonce,
                                            ch.server_nonce);
            if (!constant_time_equal(expected, ch.proof))
              return failed(self, "refused: the peer could not prove it knows actor.secret");
            auto proof = handshake_proof(st.ctx->config.actor_secret, ProofRole::client,
                                         st.peer.id, st.ctx->node_id(), client_nonce, ch.server_nonce);
            self->request(gateway, timeout, auth_atom::value, st.ctx->node_id(), client_nonce,
                          ch.server_nonce, proof, caf::actor{self})
                .then([=](const std::string& token,
                          const caf::actor& endpoint) { connected(self, endpoint, token); },
                      [=](const caf::error& e) {
                        failed(self, "refused by the peer (is actor.secret the same on both "
                                     "nodes?): " + self->system().render(e));
                      });
          },
          [=](const caf::error& e) {
            failed(self, "no answer to the handshake: " + self->system().render(e));
          });
}

void connect(Self* self) {
  auto& st = self->state;
  if (st.connecting || st.endpoint) return;
  st.connecting = true;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, seconds(st.ctx->peer_request_timeout_s), caf::connect_atom::value,
                st.peer.actor.host, st.peer.actor.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& gateway, const std::set<std::string>&) {
            if (!gateway) return failed(self, "nothing published on " + self->state.peer.actor.text());
            authenticate(self, caf::actor_cast<caf::actor>(gateway));
          },
          [=](const caf::error& e) {
            failed(self, "cannot reach " + self->state.peer.actor.text() + ": " +
                             self->system().render(e));
          });
}

caf::behavior peer_link(Self* self, NodeContextPtr ctx, PeerConfig peer) {
  self->state.ctx = std::move(ctx);
  self->state.peer = std::move(peer);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.endpoint && dm.source == st.endpoint.address())
      failed(self, "connection lost: " + self->system().render(dm.reason));
  });
  self->send(self, tick_atom::value);
  return {
      [=](get_atom) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        if (st.endpoint) {
          rp.deliver(st.token, st.endpoint, std::string());
        } else {
          st.waiting.push_back(rp);
          connect(self);
        }
        return rp;
      },
      [=](peers_atom) -> caf::result<bool, std::string> {
        return {bool(self->state.endpoint), self->state.detail};
      },
      [=](tick_atom) {
        connect(self);  // keeps "reachable" current for the panel
        self->delayed_send(self, seconds(5), tick_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_peer_link(caf::actor_system& sys, NodeContextPtr ctx, PeerConfig peer) {
  return sys.spawn(peer_link, std::move(ctx), std::move(peer));
}

}  // namespace tandem
