// The control panel's files (ui/web/), embedded at build time by ui/embed.cmake so one
// tandemd binary deploys the panel too. CAF- and Poco-free: http/ui_routes serves them.
// Each file is served at "/ui/<path under ui/web>"; "/" is the panel's index.html.
#pragma once

#include <cstddef>
#include <string_view>

namespace tandem::ui {

struct Asset {
  std::string_view path;          // "/ui/js/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  const unsigned char* data;      // the file's bytes (plus a trailing NUL, not counted)
  std::size_t size;

  std::string_view body() const { return {reinterpret_cast<const char*>(data), size}; }
};

struct AssetList {
  const Asset* first;
  const Asset* last;
  const Asset* begin() const { return first; }
  const Asset* end() const { return last; }
  std::size_t size() const { return static_cast<std::size_t>(last - first); }
};

// Every embedded file, sorted by path.
AssetList all_assets();

// The asset served at `path` ("/" means "/ui/index.html"), or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace tandem::ui
