// http_peer — the HTTP fallback transport (`method: "http"`): for the jobs it stands in
// for a peer_link and the peer's endpoint at once. (get_atom) answers with itself as the
// endpoint; every peer request a job sends (the same messages, with the same replies, as
// over the actor link: actors/messages.hpp) becomes one signed HTTP request to the
// peer's `http` address (actors/peer_http_client.hpp), which the peer's HTTP edge passes
// to its job manager (http/peer_routes.cpp). So a session resumes, refetches a corrupt
// chunk and verifies exactly as over the actor link: only the wire differs.
//
// Each request is made by its own short-lived detached actor: HTTP is blocking, a slow
// peer must not hold up anyone else, and the transfer window keeps several chunk
// requests in flight. A transport failure comes back as an error, which the jobs treat
// as a lost peer (waiting_peer, retried with back-off), as they do for the actor link.
#include <caf/all.hpp>

#include <Poco/URI.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "actors/messages.hpp"
#include "actors/peer_http_client.hpp"
#include "actors/peer_wire_json.hpp"
#include "actors/spawn.hpp"
#include "base/thread_name.hpp"

namespace tandem {
namespace {

using namespace std::chrono;

caf::error failure(const std::string& why) { return caf::make_error(caf::sec::runtime_error, why); }

std::string encode(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "!#$&'()*+,/:;=?@[]", out);
  return out;
}

struct Wire {
  PeerHttpClient client;
  seconds small_timeout;
  seconds chunk_timeout;
  std::size_t max_chunk_bytes;
};
using WirePtr = std::shared_ptr<const Wire>;

// A 200 answer parsed by `parse`; anything else is an error naming the peer's words.
template <class T>
caf::result<T> decode(const Result<PeerHttpAnswer>& a, Result<T> (*parse)(const std::string&)) {
  if (!a.ok()) return failure(a.error().describe());
  if (a->status != 200)
    return failure("the peer answered HTTP " + std::to_string(a->status) + ": " + a->body.substr(0, 300));
  auto v = parse(a->body);
  if (!v.ok()) return failure(v.error().describe());
  return *v;
}

caf::result<peer_reply> control(const WirePtr& w, const std::string& method, const std::string& target,
                                const std::string& body) {
  return decode(w->client.call(method, target, body, w->small_timeout, 1 << 20), &peer_reply_from_json);
}

// One request, then gone.
caf::behavior http_call(caf::event_based_actor* self, WirePtr w) {
  name_this_thread("tandem.http");
  return {
      [=](reserve_atom, const std::string&, const std::string& session) {
        self->quit();
        return control(w, "POST", "/api/sync/reserve", session);
      },
      [=](push_atom, const std::string&, const std::string& session) {
        self->quit();
        return control(w, "POST", "/api/sync/restore-backup", session);
      },
      [=](mirror_atom, const std::string&, const std::string& session) {
        self->quit();
        return control(w, "POST", "/api/sync/mirror", session);
      },
      [=](cancel_atom, const std::string&, const std::string& id, const std::string& reason) {
        self->quit();
        nlohmann::json body{{"sessionId", id}, {"reason", reason}};
        return control(w, "POST", "/api/sync/cancel", body.dump());
      },
      [=](get_atom, const std::string&, const std::string& id) {
        self->quit();
        return control(w, "GET", "/api/sync/session?sessionId=" + encode(id), "");
      },
      [=](backup_atom, const std::string&, const std::string& session) {
        self->quit();
        return decode(w->client.call("POST", "/api/sync/initiate-backup", session, w->small_timeout, 64 << 20),
                      &backup_status_from_json);
      },
      [=](chunk_atom, const std::string&, const std::string& id,
          std::uint64_t index) -> caf::result<chunk_reply> {
        self->quit();
        auto a = w->client.call("GET",
                                "/api/sync/receive-backup?sessionId=" + encode(id) +
                                    "&chunk=" + std::to_string(index),
                                "", w->chunk_timeout, w->max_chunk_bytes);
        if (!a.ok()) return failure(a.error().describe());
        chunk_reply r;
        r.index = index;
        if (a->status == 200) {
          r.status = "ok";
          r.checksum = a->checksum;
          r.bytes.assign(a->body.begin(), a->body.end());
          return r;
        }
        // The source's own refusal ("gone", "refused", "error") comes as JSON.
        auto j = nlohmann::json::parse(a->body, nullptr, false);
        if (!j.is_object() || !j.contains("status"))
          return failure("the peer answered HTTP " + std::to_string(a->status) + ": " + a->body.substr(0, 300));
        r.status = j.value("status", "error");
        r.error = j.value("error", "");
        return r;
      },
  };
}

caf::behavior http_peer(caf::event_based_actor* self, WirePtr w, std::string unreachable) {
  // Passes one request on to a fresh call actor; its answer goes straight to the asker.
  auto pass = [=](auto&&... xs) {
    auto rp = self->make_response_promise();
    rp.delegate(self->spawn<caf::detached>(http_call, w), std::forward<decltype(xs)>(xs)...);
    return rp;
  };
  return {
      [=](get_atom) -> caf::result<std::string, caf::actor, std::string> {
        if (!unreachable.empty()) return {std::string(), caf::actor{}, unreachable};
        return {std::string(), caf::actor{self}, std::string()};
      },
      [=](reserve_atom a, const std::string& t, const std::string& s) { return pass(a, t, s); },
      [=](push_atom a, const std::string& t, const std::string& s) { return pass(a, t, s); },
      [=](mirror_atom a, const std::string& t, const std::string& s) { return pass(a, t, s); },
      [=](backup_atom a, const std::string& t, const std::string& s) { return pass(a, t, s); },
      [=](cancel_atom a, const std::string& t, const std::string& id, const std::string& reason) {
        return pass(a, t, id, reason);
      },
      [=](get_atom a, const std::string& t, const std::string& id) { return pass(a, t, id); },
      [=](chunk_atom a, const std::string& t, const std::string& id, std::uint64_t index) {
        return pass(a, t, id, index);
      },
  };
}

}  // namespace

caf::actor spawn_http_peer(caf::actor_system& sys, NodeContextPtr ctx, const PeerConfig& peer) {
  std::uint64_t chunk = ctx->config.full_sync.chunk_bytes;
  auto w = std::make_shared<const Wire>(Wire{
      PeerHttpClient(ctx->node_id(), ctx->config.actor_secret, peer.http),
      seconds(ctx->peer_request_timeout_s), seconds(ctx->chunk_request_timeout_s),
      static_cast<std::size_t>(std::max<std::uint64_t>(256ull << 20, 4 * chunk))});
  std::string unreachable =
      peer.http.port == 0 ? "peer " + peer.id + " has no \"http\" address in the config (peers[].http)" : "";
  return sys.spawn(http_peer, std::move(w), std::move(unreachable));
}

}  // namespace tandem
