// tandemctl: the command-line client of a node's HTTP API (SPEC.md, "CLI").
// Exit codes: 0 success, 1 the sync failed, 2 usage or connection error.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr const char* kVersion = "0.1.0";

void usage(std::FILE* to) {
  std::fprintf(to,
      "usage: tandemctl [--url URL] [--token TOKEN] COMMAND [ARGS]\n"
      "\n"
      "Talks to one node's HTTP API. URL and TOKEN default to $TANDEM_URL and\n"
      "$TANDEM_TOKEN (the node's http.listen address and http.admin_token).\n"
      "\n"
      "commands:\n"
      "  full-sync --pull|--push PEER [--no-compress] [--no-verify] [--mirror]\n"
      "                   start a full sync and follow its progress\n"
      "  status           the running full sync, if any\n"
      "  history          recent full syncs\n"
      "  show ID          one session with its log\n"
      "  cancel ID        cancel a full sync\n"
      "  clear-stuck      end stalled sessions and free the lock\n"
      "  peers            the nodes this node knows, and whether they answer\n"
      "  periodic [pause|resume]\n"
      "                   periodic sync per peer, or pause/resume it\n"
      "\n"
      "exit codes: 0 success, 1 the sync failed, 2 usage or connection error\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage(stderr), 2;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") return usage(stdout), 0;
    if (a == "--version") return std::printf("tandemctl %s\n", kVersion), 0;
  }
  // The commands are wired to the HTTP API as its routes land (issue: HTTP API and CLI).
  std::fprintf(stderr, "tandemctl: command \"%s\" is not available in this build yet\n",
               args.front().c_str());
  return 2;
}
