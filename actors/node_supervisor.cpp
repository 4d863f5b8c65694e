// node_supervisor — owns the node's long-lived actors: one peer link per peer, the change
// server, the job manager (which owns the jobs), the gateway published on actor.listen,
// and one periodic_sync per peer. It monitors them all; when one stops abnormally it
// stops the others and starts the whole set again after a back-off (1 s, doubling to
// 30 s; reset after a minute without trouble). One-for-all because they hold each other's
// handles: a restarted manager must be the one the gateway and periodic actors talk to.
// Sessions survive: the new manager resumes every unfinished one from the journal.
//
//   (start_atom) -> (bool ok, std::string error)   once the gateway is published
//   (get_atom)   -> (manager, change_server, std::vector<caf::actor> periodic)
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <map>
#include <vector>

#include "actors/messages.hpp"
#include "actors/node_supervisor.hpp"
#include "actors/notifier.hpp"
#include "actors/periodic_actors.hpp"
#include "actors/spawn.hpp"
#include "base/log.hpp"

namespace tandem {
namespace {

using namespace std::chrono;

struct supervisor_state {
  NodeContextPtr ctx;
  std::map<std::string, caf::actor> links;
  caf::actor change_server, notifier, manager, gateway;
  std::vector<caf::actor> periodic;
  std::vector<caf::actor> children;  // everything above, for monitoring and stopping
  std::uint16_t published_port = 0;
  bool restarting = false;
  int crashes = 0;
  steady_clock::time_point last_crash{};
  std::vector<caf::response_promise> waiting_ready;
  std::string ready_error;
  bool ready = false;
  static inline const char* name = "node_supervisor";
};

using Self = caf::stateful_actor<supervisor_state>;

void deliver_ready(Self* self) {
  auto& st = self->state;
  for (auto& rp : st.waiting_ready) rp.deliver(st.ready_error.empty(), st.ready_error);
  st.waiting_ready.clear();
}

void publish(Self* self) {
  auto& st = self->state;
  const auto& at = st.ctx->config.actor_listen;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, seconds(10), caf::publish_atom::value, at.port,
                caf::actor_cast<caf::strong_actor_ptr>(st.gateway), std::set<std::string>{}, at.host,
                /*reuse=*/true)
      .then(
          [=](std::uint16_t port) {
            auto& st = self->state;
            st.published_port = port;
            st.ready = true;
            log::info("node") << "actor port " << st.ctx->config.actor_listen.host << ":" << port
                              << ", " << st.links.size() << " peer link(s)";
            deliver_ready(self);
          },
          [=](const caf::error& e) {
            auto& st = self->state;
            st.ready = true;
            st.ready_error = "cannot listen on " + st.ctx->config.actor_listen.text() + ": " +
                             self->system().render(e);
            log::error("node") << st.ready_error;
            deliver_ready(self);
          });
}

void spawn_all(Self* self) {
  auto& st = self->state;
  auto& sys = self->system();
  st.links.clear();
  st.periodic.clear();
  st.children.clear();
  for (const auto& p : st.ctx->config.peers) st.links[p.id] = spawn_peer_link(sys, st.ctx, p);
  st.change_server = spawn_change_server(sys, st.ctx);
  st.notifier = spawn_notifier(sys, st.ctx);  // before the manager: jobs get its handle
  st.manager = spawn_job_manager(sys, st.ctx, st.links, st.change_server, st.notifier);
  st.gateway = spawn_peer_gateway(sys, st.ctx, st.manager);
  for (const auto& p : st.ctx->config.peers)
    st.periodic.push_back(spawn_periodic_sync(sys, st.ctx, p, st.links[p.id], st.manager));
  for (auto& [id, l] : st.links) st.children.push_back(l);
  st.children.push_back(st.change_server);
  st.children.push_back(st.notifier);
  st.children.push_back(st.manager);
  st.children.push_back(st.gateway);
  for (auto& a : st.periodic) st.children.push_back(a);
  for (auto& a : st.children) self->monitor(a);
  publish(self);
}

void stop_all(Self* self, const caf::error& reason) {
  auto& st = self->state;
  for (auto& a : st.children) {
    self->demonitor(a);
    self->send_exit(a, reason);  // trappable: the manager stops its jobs first
  }
  st.children.clear();
}

void restart_all(Self* self, const std::string& why) {
  auto& st = self->state;
  if (st.restarting) return;
  st.restarting = true;
  auto now = steady_clock::now();
  if (now - st.last_crash > minutes(1)) st.crashes = 0;
  st.last_crash = now;
  auto delay = milliseconds(std::min(30000, 1000 << std::min(st.crashes++, 5)));
  log::error("node") << why << "; restarting the node's actors in " << delay.count() << " ms";
  if (st.published_port) {
    auto mm = self->system().middleman().actor_handle();
    self->request(mm, seconds(5), caf::close_atom::value, st.published_port)
        .then([] {}, [](const caf::error&) {});
    st.published_port = 0;
  }
  stop_all(self, caf::exit_reason::user_shutdown);
  self->delayed_send(self, delay, retry_atom::value);
}

caf::behavior node_supervisor(Self* self, NodeContextPtr ctx) {
  self->state.ctx = std::move(ctx);
  self->set_exit_handler([=](caf::exit_msg& em) {
    stop_all(self, em.reason);
    self->quit(em.reason);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    bool ours = false;
    for (auto& a : st.children) ours = ours || a.address() == dm.source;
    if (!ours) return;
    restart_all(self, "an actor of the node stopped (" + self->system().render(dm.reason) + ")");
  });
  spawn_all(self);
  return {
      [=](start_atom) {
        auto rp = self->make_response_promise();
        auto& st = self->state;
        if (st.ready) rp.deliver(st.ready_error.empty(), st.ready_error);
        else st.waiting_ready.push_back(rp);
        return rp;
      },
      [=](get_atom) {
        auto& st = self->state;
        return caf::make_message(st.manager, st.change_server, st.periodic);
      },
      [=](retry_atom) {
        self->state.restarting = false;
        spawn_all(self);
      },
  };
}

}  // namespace

caf::actor spawn_node_supervisor(caf::actor_system& sys, NodeContextPtr ctx) {
  return sys.spawn(node_supervisor, std::move(ctx));
}

}  // namespace tandem
