// tandemctl's commands. Each one is thin: ask the node, render with views.hpp or
// progress_bar.hpp, print data to `out` and problems to `err`, return an exit code
// (args.hpp: 0 ok, 1 the sync failed, 2 usage or connection error).
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include "cli/api_client.hpp"
#include "cli/args.hpp"

namespace tandem::cli {

struct Context {
  const Invocation& inv;
  const ApiClient& api;
  std::ostream& out;
  std::ostream& err;
  bool terminal = false;  // stdout is a terminal: draw the live bar
};

// Runs inv.command.
int run_command(Context& ctx);

int cmd_full_sync(Context& ctx);
int cmd_status(Context& ctx);
int cmd_history(Context& ctx);
int cmd_show(Context& ctx);
int cmd_cancel(Context& ctx);
int cmd_clear_stuck(Context& ctx);
int cmd_peers(Context& ctx);
int cmd_periodic(Context& ctx);

// Follows a session by polling backup-progress until it ends; prints the bar, plain
// lines or JSON lines. 0 when it succeeded, 1 when it failed or was cancelled, 2 when
// the node stopped answering.
int follow_session(Context& ctx, const std::string& session_id);

// --- shared by the commands (command_support.cpp) ---

// Prints "tandemctl: <message>" to err and returns kExitUsage.
int report(Context& ctx, const std::string& message, int exit_code = kExitUsage);
// The message for an answer that is not 2xx; a 401 says what to check about the token.
std::string refusal(const ApiAnswer& answer, const std::string& what);
// GET or POST that must succeed: on a transport error or a non-2xx answer, reports it
// and sets `exit_code` (2); returns null.
nlohmann::json fetch(Context& ctx, const std::string& what, const std::string& path, int& exit_code);
nlohmann::json send(Context& ctx, const std::string& what, const std::string& path, int& exit_code);
// Node id -> name from the peers list; empty (ids are shown) when that fails.
std::map<std::string, std::string> names_or_empty(Context& ctx);
// Prints `text` or, with --json, the answer as JSON.
int print(Context& ctx, const nlohmann::json& answer, const std::string& text);

}  // namespace tandem::cli
