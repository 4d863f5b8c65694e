#include "cli/args.hpp"

#include <algorithm>
#include <cctype>

namespace tandem::cli {
namespace {

Error usage_error(std::string message) { return make_error("usage", std::move(message)); }

// What each command accepts. Flags are boolean; "--limit" is the one option with a value.
struct CommandSpec {
  const char* name;
  std::size_t min_words, max_words;  // positional words after the command
  std::vector<std::string> flags;
  const char* synopsis;
};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> specs = {
      {"full-sync", 1, 1, {"--pull", "--push", "--no-compress", "--no-verify", "--mirror", "--http"},
       "full-sync --pull|--push PEER [--no-compress] [--no-verify] [--mirror] [--http]"},
      {"status", 0, 0, {}, "status"},
      {"history", 0, 0, {"--limit"}, "history [--limit N]"},
      {"show", 1, 1, {}, "show ID"},
      {"cancel", 1, 1, {}, "cancel ID"},
      {"clear-stuck", 0, 0, {}, "clear-stuck"},
      {"peers", 0, 0, {}, "peers"},
      {"periodic", 0, 2, {}, "periodic [pause|resume|conflicts|quarantine|retry ID|retry all|discard ID]"},
  };
  return specs;
}

const CommandSpec* find_command(const std::string& name) {
  for (const auto& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

bool has_flag(const std::vector<std::string>& flags, const std::string& f) {
  return std::find(flags.begin(), flags.end(), f) != flags.end();
}

// "--url=X" or "--url X": takes the value and advances i; false when it is missing.
bool take_value(const std::vector<std::string>& args, std::size_t& i, const std::string& name,
                std::string& out) {
  const std::string& a = args[i];
  if (a.size() > name.size() && a.compare(0, name.size() + 1, name + "=") == 0) {
    out = a.substr(name.size() + 1);
    return true;
  }
  if (a != name || i + 1 >= args.size()) return false;
  out = args[++i];
  return true;
}

bool is_option(const std::string& a, const std::string& name) {
  return a == name || a.rfind(name + "=", 0) == 0;
}

// Applies the command's own words and flags to `inv`.
Status apply_command(const CommandSpec& spec, const std::vector<std::string>& words,
                     const std::vector<std::string>& flags, const std::string& limit,
                     Invocation& inv) {
  const std::string cmd = spec.name;
  if (words.size() < spec.min_words || words.size() > spec.max_words)
    return usage_error(words.size() < spec.min_words
                           ? "\"" + cmd + "\" is missing an argument; usage: tandemctl " + spec.synopsis
                           : "unexpected argument \"" + words.back() + "\"; usage: tandemctl " + spec.synopsis);
  if (cmd == "full-sync") {
    bool pull = has_flag(flags, "--pull"), push = has_flag(flags, "--push");
    if (pull == push)
      return usage_error("full-sync needs exactly one of --pull (PEER → this node) or --push (this node → PEER)");
    auto& f = inv.full_sync;
    f.direction = pull ? "pull" : "push";
    f.peer = words[0];
    f.no_compress = has_flag(flags, "--no-compress");
    f.no_verify = has_flag(flags, "--no-verify");
    f.mirror = has_flag(flags, "--mirror");
    f.http = has_flag(flags, "--http");
  } else if (cmd == "show" || cmd == "cancel") {
    inv.id = words[0];
  } else if (cmd == "periodic" && !words.empty()) {
    const std::string& verb = words[0];
    const bool takes_id = verb == "retry" || verb == "discard";
    if (!takes_id && verb != "pause" && verb != "resume" && verb != "conflicts" && verb != "quarantine")
      return usage_error("periodic takes \"pause\", \"resume\", \"conflicts\", \"quarantine\", \"retry ID\" or "
                         "\"discard ID\", not \"" + verb + "\"");
    if (takes_id != (words.size() == 2))
      return usage_error(takes_id ? "periodic " + verb + " needs the id of a quarantined change (tandemctl periodic quarantine lists them)"
                                  : "unexpected argument \"" + words.back() + "\"; usage: tandemctl " + spec.synopsis);
    const bool all = verb == "retry" && takes_id && words[1] == "all";
    if (takes_id && !all &&
        (words[1].empty() || words[1].size() > 18 || !std::all_of(words[1].begin(), words[1].end(), ::isdigit)))
      return usage_error("\"" + words[1] + "\" is not the id of a quarantined change (a whole number)" +
                         std::string(verb == "retry" ? " or \"all\"" : ""));
    inv.periodic_verb = verb;
    if (takes_id) inv.id = words[1];
  } else if (cmd == "history" && !limit.empty()) {
    bool digits = limit.size() <= 4 && std::all_of(limit.begin(), limit.end(), ::isdigit);
    int n = digits ? std::stoi(limit) : 0;
    if (n < 1 || n > 1000) return usage_error("--limit must be a whole number from 1 to 1000, not \"" + limit + "\"");
    inv.limit = n;
  }
  return ok_status();
}

}  // namespace

Result<Invocation> parse_args(const std::vector<std::string>& args, const Environment& env) {
  Invocation inv;
  if (auto it = env.find("TANDEM_URL"); it != env.end()) inv.url = it->second;
  if (auto it = env.find("TANDEM_TOKEN"); it != env.end()) inv.token = it->second;

  std::vector<std::string> words, flags;
  std::string limit;
  const CommandSpec* spec = nullptr;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      inv.action = Action::help;
      return inv;  // help wins over any other mistake on the line
    }
    if (a == "--version") {
      inv.action = Action::version;
      return inv;
    }
    if (a == "--json") {
      inv.json = true;
    } else if (is_option(a, "--url")) {
      if (!take_value(args, i, "--url", inv.url)) return usage_error("--url needs a value (http://HOST:PORT)");
    } else if (is_option(a, "--token")) {
      if (!take_value(args, i, "--token", inv.token)) return usage_error("--token needs a value");
    } else if (spec && has_flag(spec->flags, "--limit") && is_option(a, "--limit")) {
      if (!take_value(args, i, "--limit", limit)) return usage_error("--limit needs a number");
    } else if (a.size() > 1 && a[0] == '-') {
      if (!spec || !has_flag(spec->flags, a))
        return usage_error("unknown option \"" + a + "\"" +
                           (spec ? std::string("; usage: tandemctl ") + spec->synopsis : std::string()));
      flags.push_back(a);
    } else if (!spec) {
      spec = find_command(a);
      if (!spec) return usage_error("unknown command \"" + a + "\" (see tandemctl --help)");
      inv.command = a;
    } else {
      words.push_back(a);
    }
  }
  if (!spec) return usage_error("no command given (see tandemctl --help)");
  if (auto st = apply_command(*spec, words, flags, limit, inv); !st.ok()) return st.error();
  if (inv.url.empty()) inv.url = kDefaultUrl;
  if (inv.token.empty())
    return usage_error("no admin token: pass --token or set TANDEM_TOKEN (the node's http.admin_token)");
  return inv;
}

const char* usage_text() {
  return "usage: tandemctl [--url URL] [--token TOKEN] [--json] COMMAND [ARGS]\n"
         "\n"
         "Talks to one node's HTTP API. URL and TOKEN default to $TANDEM_URL and\n"
         "$TANDEM_TOKEN (the node's http.listen address and http.admin_token);\n"
         "URL defaults to http://127.0.0.1:8080 when neither is given.\n"
         "\n"
         "commands:\n"
         "  full-sync --pull|--push PEER [--no-compress] [--no-verify] [--mirror] [--http]\n"
         "                   start a full sync and follow its progress\n"
         "                   (--pull: PEER → this node; --push: this node → PEER;\n"
         "                   --http: through the nodes' HTTP ports, not the actor link)\n"
         "  status           the running full sync, if any, with its progress\n"
         "  history [--limit N]\n"
         "                   recent full syncs (default 20)\n"
         "  show ID          one session with its phases and log\n"
         "  cancel ID        cancel a full sync\n"
         "  clear-stuck      end stalled sessions and free the lock\n"
         "  peers            the nodes this node knows, and whether they answer\n"
         "  periodic [pause|resume|conflicts|quarantine]\n"
         "                   periodic sync per peer, pause/resume it, its recorded conflicts,\n"
         "                   or the peers' changes that failed to apply here (quarantined)\n"
         "  periodic retry ID|all | periodic discard ID\n"
         "                   apply a quarantined change (or every row's newest) again, or drop it\n"
         "\n"
         "--json prints the API's JSON instead of text (full-sync: one progress\n"
         "object per line). A progress bar is drawn only when stdout is a terminal.\n"
         "\n"
         "exit codes: 0 success, 1 the sync failed, 2 usage or connection error\n";
}

}  // namespace tandem::cli
