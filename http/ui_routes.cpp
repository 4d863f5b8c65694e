#include "http/ui_routes.hpp"

#include <string>

#include "ui/assets.hpp"

namespace tandem::http {
namespace {

// The panel loads only its own files and talks only to this node's API, so the policy
// can forbid everything else: inline scripts, other origins, framing (clickjacking).
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

Response serve(const ui::Asset& asset) {
  auto r = Response::text(200, std::string(asset.body()), std::string(asset.content_type));
  // no-cache, not no-store: the browser revalidates, so an upgraded tandemd never
  // serves a stale mix of old and new modules.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  return r;
}

}  // namespace

void add_ui_routes(Router& router) {
  // One exact route per file: the router's patterns have no wildcard, and a fixed list
  // means no path ever reaches the file system.
  for (const ui::Asset& asset : ui::all_assets())
    router.add("GET", std::string(asset.path), Auth::none, [&asset](const Request&) { return serve(asset); });
  if (const ui::Asset* index = ui::find_asset("/"))
    router.add("GET", "/", Auth::none, [index](const Request&) { return serve(*index); });
}

}  // namespace tandem::http
