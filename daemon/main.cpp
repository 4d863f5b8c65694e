// tandemd: one per node. Loads the config, opens the state dir, starts the HTTP edge,
// and runs until SIGTERM/SIGINT.
//
// Exit codes: 0 clean stop, 1 could not start (state dir, port), 2 bad command line or
// bad config file, 3 the stop did not finish within kStopGrace and was forced.
#include <malloc.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "base/failpoint.hpp"
#include "base/log.hpp"
#include "config/config.hpp"
#include "actors/node_api.hpp"
#include "daemon/state_dir.hpp"
#include "http/api_routes.hpp"
#include "http/server.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";
// How long a stop may take before it is forced (exit 3); tools/tandemd.service gives 30 s.
constexpr std::chrono::seconds kStopGrace{15};

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: tandemd --config FILE      run the node described by FILE\n"
               "       tandemd --check-config FILE  validate FILE and exit (0 ok, 2 bad)\n"
               "       tandemd --version | --help\n");
}

struct Args {
  std::string config;
  bool check_only = false;
};

// Returns -1 to continue, else an exit code.
int parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage(stdout), 0;
    if (a == "--version") return std::printf("tandemd %s\n", kVersion), 0;
    if ((a == "--config" || a == "--check-config") && i + 1 < argc) {
      args.config = argv[++i];
      args.check_only = a == "--check-config";
    } else {
      std::fprintf(stderr, "tandemd: unknown or incomplete argument \"%s\"\n", a.c_str());
      return usage(stderr), 2;
    }
  }
  if (args.config.empty()) {
    std::fprintf(stderr, "tandemd: --config FILE is required\n");
    return usage(stderr), 2;
  }
  return -1;
}

// Blocks SIGINT/SIGTERM in this thread and every thread it starts, so that only the
// main thread's sigwait sees them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the daemon
  return set;
}

// glibc gives each thread that contends for malloc an arena of its own, up to 8 per core,
// and an arena keeps what it once held. The daemon's threads (CAF workers, HTTP, phase
// workers) take turns at the same work, so every arena grew to a periodic batch's size:
// b's peak RSS under periodic load was 125-129 MB with the default and 69-72 MB with two
// arenas, applying 6.8-6.9 k vs 8.0-8.5 k changes/s (tools/bench-periodic, docs/
// performance.md). MALLOC_ARENA_MAX in the environment still wins.
void limit_malloc_arenas() {
  constexpr int kArenas = 2;
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, kArenas);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tandem;
  limit_malloc_arenas();  // before any thread starts
  Args args;
  if (int rc = parse_args(argc, argv, args); rc >= 0) return rc;

  auto config = load_config_file(args.config);
  if (!config.ok()) {
    // The message names each bad key itself ("peers[0].actor: is required; …").
    std::fprintf(stderr, "tandemd: refusing config %s: %s\n", args.config.c_str(),
                 config.error().message.c_str());
    return 2;
  }
  if (args.check_only) {
    for (const auto& w : config->warnings) std::printf("%s: warning: %s\n", args.config.c_str(), w.c_str());
    std::printf("%s: ok\n", args.config.c_str());
    return 0;
  }
  log::Level lvl;
  if (log::parse_level(config->log_level, lvl)) log::set_level(lvl);
  for (const auto& w : config->warnings) log::warn("config") << w;

  sigset_t stop_signals = block_stop_signals();

  auto state_dir = StateDir::open(config->state_dir);
  if (!state_dir.ok()) {
    log::error("tandemd") << state_dir.error().describe();
    return 1;
  }

  auto node = Node::start(*config);
  if (!node.ok()) {
    log::error("tandemd") << node.error().describe();
    return 1;
  }

  auto router = std::make_shared<http::Router>(config->admin_token);
  http::add_api_routes(*router, **node, *config, {config->node.id, kVersion});
  http::Server server(config->http_listen, router);
  if (auto s = server.start(); !s.ok()) {
    log::error("tandemd") << s.error().describe();
    (*node)->stop();
    return 1;
  }
  log::info("tandemd") << "node " << config->node.id << " (" << config->node.name
                       << ") ready; state in " << state_dir->path() << "; "
                       << config->peers.size() << " peer(s)";

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("tandemd") << "stopping on " << (sig == SIGTERM ? "SIGTERM" : "SIGINT");
  // A safety net, not the plan: every journaled session survives a hard exit exactly as
  // it survives kill -9, so a stop that hangs (a peer or the database not answering a
  // blocking call, or a bug) ends here, loudly, instead of waiting for systemd's SIGKILL.
  std::thread([] {
    std::this_thread::sleep_for(kStopGrace);
    log::error("tandemd") << "the stop did not finish within " << kStopGrace.count()
                          << " s; exiting anyway (unfinished sessions resume from the journal)";
    std::_Exit(3);
  }).detach();
  server.stop();  // first the edge, so no request reaches a stopping node
  failpoint("stop_node");
  (*node)->stop();
  log::info("tandemd") << "stopped";
  return 0;
}
