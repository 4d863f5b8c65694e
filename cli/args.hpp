// tandemctl's command line, parsed into an Invocation without touching the network, so
// every usage error is found (and exits 2) before a request is sent. Pure: the
// environment comes in as a map, which keeps the parser unit-testable.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace tandem::cli {

// Exit codes (SPEC.md, CLI): scripts rely on these never changing meaning.
enum ExitCode : int { kExitOk = 0, kExitSyncFailed = 1, kExitUsage = 2 };

constexpr const char* kDefaultUrl = "http://127.0.0.1:8080";

// What to do: run a command, or just print the help or the version.
enum class Action { run, help, version };

struct FullSyncArgs {
  std::string direction;  // "pull" | "push"
  std::string peer;       // the other node's id
  bool no_compress = false;
  bool no_verify = false;
  bool mirror = false;
  bool http = false;  // the HTTP fallback transport
};

struct Invocation {
  Action action = Action::run;
  std::string url;    // --url, $TANDEM_URL, or kDefaultUrl
  std::string token;  // --token or $TANDEM_TOKEN; required to run a command
  bool json = false;  // --json: machine-readable output on stdout
  std::string command;
  std::string id;              // show, cancel: the session id; periodic retry/discard: the change
                               // id ("all" for periodic retry all)
  std::string periodic_verb;   // periodic: "", "pause", "resume", "conflicts", "quarantine",
                               // "retry" or "discard" (these two with `id`)
  int limit = 20;              // history --limit N
  FullSyncArgs full_sync;
};

// The variables the parser reads: TANDEM_URL, TANDEM_TOKEN.
using Environment = std::map<std::string, std::string>;

// Parses argv without argv[0]. Global options (--url, --token, --json, --help,
// --version) may appear anywhere; the first bare word is the command. Errors are
// Error{"usage", message} with a message that names the offending word.
Result<Invocation> parse_args(const std::vector<std::string>& args, const Environment& env);

// The help text (kept in step with the commands parse_args accepts).
const char* usage_text();

}  // namespace tandem::cli
