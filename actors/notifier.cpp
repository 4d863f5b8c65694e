// The notifier actor (see notifier.hpp): one Delivery per channel and ended session,
// recorded in the outbox before its first try, tried at once and again on a timer until
// it is delivered or gives up; whatever is still waiting at the next start is resumed.
#include "actors/notifier.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <map>
#include <optional>

#include "actors/messages.hpp"
#include "base/log.hpp"
#include "base/thread_name.hpp"
#include "notify/delivery.hpp"
#include "notify/outbox.hpp"
#include "statemachine/session_json.hpp"

namespace tandem {
namespace {

struct Pending {
  OutboxEntry entry;
  Delivery delivery;
  bool durable;  // false when the outbox could not record it: tried from memory only
};

struct notifier_state {
  NodeContextPtr ctx;
  std::optional<Outbox> outbox;  // nullopt when its directory cannot be created
  std::map<std::uint64_t, Pending> pending;  // by delivery id
  std::uint64_t next_id = 1;
  static inline const char* name = "notifier";
};

using Self = caf::stateful_actor<notifier_state>;

std::string what_of(const OutboxEntry& e) {
  return e.session_id + " " + e.notification.event + " by " + e.channel;
}

// An outbox write that failed costs durability, not the notification: log and go on.
void complain(const Status& st, const OutboxEntry& e, const char* doing) {
  if (!st.ok())
    log::warn("notify") << what_of(e) << ": outbox could not " << doing << " ("
                        << st.error().describe() << ")";
}

// One try of delivery `id`; schedules the next one or settles the outbox entry.
//
// The try count is kept in the entry's file, rewritten after each failed try, rather
// than counted afresh after a restart: a daemon in a crash loop would otherwise retry
// forever. A resumed entry gets its next try at once (the downtime stood in for its
// wait) and its back-off goes on from its count.
void step(Self* self, std::uint64_t id) {
  auto& st = self->state;
  auto it = st.pending.find(id);
  if (it == st.pending.end()) return;
  Pending& p = it->second;
  auto wait = p.delivery.try_once();
  p.entry.tries = p.delivery.tries();
  const auto& error = p.delivery.last_error();
  std::string what = what_of(p.entry);
  if (wait) {
    if (p.durable) complain(st.outbox->record_failed_try(p.entry), p.entry, "count the try");
    log::warn("notify") << what << ": try " << p.delivery.tries() << " failed ("
                        << error->describe() << "); again in " << wait->count() << " ms";
    self->delayed_send(self, *wait, retry_atom::value, id);
    return;
  }
  if (p.delivery.delivered()) {
    log::info("notify") << what << " delivered (try " << p.delivery.tries() << ")";
    if (p.durable) complain(st.outbox->mark_delivered(p.entry), p.entry, "mark it delivered");
  } else {
    // Removed, not kept: an entry kept after its last retry would be tried again at
    // every start, for ever. The log line is what remains of it.
    log::error("notify") << what << " not delivered after " << p.delivery.tries()
                         << " tries: " << error->describe();
    if (p.durable) complain(st.outbox->remove(p.entry), p.entry, "remove it");
  }
  st.pending.erase(it);
}

bool in_memory(const notifier_state& st, const std::string& key) {
  for (const auto& [id, p] : st.pending)
    if (p.entry.key() == key) return true;
  return false;
}

// Records `entry` and returns its id (for a first try), or nullopt when the same
// notification is already pending or was delivered: enqueueing is idempotent.
std::optional<std::uint64_t> admit(Self* self, OutboxEntry entry, Delivery delivery) {
  auto& st = self->state;
  if (in_memory(st, entry.key())) {
    log::info("notify") << what_of(entry) << " is already pending; not sent twice";
    return std::nullopt;
  }
  bool durable = false;
  if (st.outbox) {
    auto queued = st.outbox->enqueue(entry);
    if (queued.ok() && *queued == Enqueued::already_sent) {
      log::info("notify") << what_of(entry) << " was delivered before; not sent again";
      return std::nullopt;
    }
    durable = queued.ok();
    if (!queued.ok())
      log::warn("notify") << what_of(entry) << ": not kept in the outbox ("
                          << queued.error().describe() << "); a restart would lose it";
  }
  auto id = st.next_id++;
  st.pending.emplace(id, Pending{std::move(entry), std::move(delivery), durable});
  return id;
}

void notify(Self* self, const std::string& session_json) {
  auto& st = self->state;
  auto s = session_from_json(nlohmann::json::parse(session_json, nullptr, false));
  if (!s.ok()) {
    log::error("notify") << "cannot read the ended session: " << s.error().describe();
    return;
  }
  NodeNames names{{st.ctx->node_id(), st.ctx->config.node.name}};
  for (const auto& p : st.ctx->config.peers) names[p.id] = p.name;
  auto n = make_notification(*s, st.ctx->node_id(), names);
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
    OutboxEntry entry{s->id, d.channel(), *n, 0};
    if (auto id = admit(self, std::move(entry), std::move(d))) step(self, *id);
  }
}

// Opens the outbox and queues what a previous run left in it; each resumed entry gets
// a retry message, so its try runs on this actor's thread once it is up.
void recover(Self* self) {
  auto& st = self->state;
  Outbox outbox(st.ctx->config.state_dir + "/outbox");
  if (auto opened = outbox.open(); !opened) {
    log::error("notify") << "no outbox (" << opened.error().describe()
                         << "); notifications pending at a stop will be lost";
    return;
  }
  st.outbox = std::move(outbox);
  st.outbox->prune_sent(std::filesystem::file_time_type::clock::now() - kSentMarkerAge);
  auto found = st.outbox->load();
  for (const auto& bad : found.set_aside)
    log::error("notify") << "outbox file " << bad.path << " set aside as *.bad: " << bad.reason;
  for (auto& entry : found.pending) {
    auto d = delivery_for(st.ctx->config.notify, entry.notification, entry.channel);
    if (!d) {
      log::warn("notify") << what_of(entry) << " dropped: the " << entry.channel
                          << " channel is no longer configured";
      complain(st.outbox->remove(entry), entry, "remove it");
      continue;
    }
    d->resume_after(entry.tries);
    log::info("notify") << what_of(entry) << " resumed from the outbox after " << entry.tries
                        << " tries";
    auto id = st.next_id++;
    st.pending.emplace(id, Pending{std::move(entry), std::move(*d), true});
    self->send(self, retry_atom::value, id);
  }
}

caf::behavior notifier(Self* self, NodeContextPtr ctx) {
  name_this_thread("tandem.notify");
  self->state.ctx = std::move(ctx);
  recover(self);
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (const auto& [id, p] : self->state.pending)
      log::info("notify") << what_of(p.entry) << " still pending at shutdown after "
                          << p.delivery.tries() << " tries"
                          << (p.durable ? "; kept in the outbox for the next start"
                                        : "; dropped (not in the outbox)");
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
