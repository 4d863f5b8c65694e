// tandemctl: the command-line client of a node's HTTP API (SPEC.md, "CLI").
// Exit codes: 0 success, 1 the sync failed, 2 usage or connection error.
// Data goes to stdout, problems to stderr.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/api_client.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/terminal.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";

tandem::cli::Environment environment() {
  tandem::cli::Environment env;
  for (const char* name : {"TANDEM_URL", "TANDEM_TOKEN"})
    if (const char* v = std::getenv(name); v && *v) env[name] = v;
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tandem::cli;
  if (argc < 2) return std::fputs(usage_text(), stderr), kExitUsage;
  auto inv = parse_args(std::vector<std::string>(argv + 1, argv + argc), environment());
  if (!inv.ok()) {
    std::fprintf(stderr, "tandemctl: %s\n", inv.error().message.c_str());
    return kExitUsage;
  }
  if (inv->action == Action::help) return std::fputs(usage_text(), stdout), kExitOk;
  if (inv->action == Action::version) return std::printf("tandemctl %s\n", kVersion), kExitOk;

  auto endpoint = parse_url(inv->url);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "tandemctl: %s\n", endpoint.error().message.c_str());
    return kExitUsage;
  }
  ApiClient api(*endpoint, inv->token, inv->url);
  Context ctx{*inv, api, std::cout, std::cerr, stdout_is_terminal()};
  return run_command(ctx);
}
