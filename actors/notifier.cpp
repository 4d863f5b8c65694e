// The notifier actor (see notifier.hpp): one Delivery per channel and ended session,
// tried at once and again on a timer until it is delivered or gives up.
#include "actors/notifier.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <map>

#include "actors/messages.hpp"
#include "base/log.hpp"
#include "notify/delivery.hpp"
#include "statemachine/session_json.hpp"

namespace tandem {
namespace {

struct Pending {
  std::string session_id;
  std::string event;
  Delivery delivery;
};

struct notifier_state {
  NodeContextPtr ctx;
  std::map<std::uint64_t, Pending> pending;  // by delivery id
  std::uint64_t next_id = 1;
  static inline const char* name = "notifier";
};

using Self = caf::stateful_actor<notifier_state>;

// One try of delivery `id`; schedules the next one or reports how it ended.
void step(Self* self, std::uint64_t id) {
  auto it = self->state.pending.find(id);
  if (it == self->state.pending.end()) return;
  Pending& p = it->second;
  auto wait = p.delivery.try_once();
  const auto& error = p.delivery.last_error();
  std::string what = p.session_id + " " + p.event + " by " + p.delivery.channel();
  if (wait) {
    log::warn("notify") << what << ": try " << p.delivery.tries() << " failed ("
                        << error->describe() << "); again in " << wait->count() << " ms";
    self->delayed_send(self, *wait, retry_atom::value, id);
    return;
  }
  if (p.delivery.delivered())
    log::info("notify") << what << " delivered (try " << p.delivery.tries() << ")";
  else
    log::error("notify") << what << " not delivered after " << p.delivery.tries()
                         << " tries: " << error->describe();
  self->state.pending.erase(it);
}

void notify(Self* self, const std::string& session_json) {
  auto& st = self->state;
  auto s = session_from_json(nlohmann::json::parse(session_json, nullptr, false));
  if (!s.ok()) {
    log::error("notify") << "cannot read the ended session: " << s.error().describe();
    return;
  }
  auto n = make_notification(*s, st.ctx->node_id());
  if (!n.ok()) {
    log::warn("notify") << n.error().describe();
    return;
  }
  auto deliveries = deliveries_for(st.ctx->config.notify, *n);
  if (deliveries.empty()) {
    log::debug("notify") << s->id << " " << n->event << ": no webhook or e-mail configured";
    return;
  }
  for (auto& d : deliveries) {
    auto id = st.next_id++;
    st.pending.emplace(id, Pending{s->id, n->event, std::move(d)});
    step(self, id);
  }
}

caf::behavior notifier(Self* self, NodeContextPtr ctx) {
  self->state.ctx = std::move(ctx);
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (const auto& [id, p] : self->state.pending)
      log::warn("notify") << p.session_id << " " << p.event << " by " << p.delivery.channel()
                          << " dropped at shutdown after " << p.delivery.tries() << " tries";
    self->quit(em.reason);
  });
  return {
      [=](notify_atom, const std::string& session_json) { notify(self, session_json); },
      [=](retry_atom, std::uint64_t id) { step(self, id); },
  };
}

}  // namespace

caf::actor spawn_notifier(caf::actor_system& sys, NodeContextPtr ctx) {
  return sys.spawn<caf::detached>(notifier, std::move(ctx));
}

}  // namespace tandem
