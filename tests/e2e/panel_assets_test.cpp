// The embedded panel (ui/assets.hpp): "/" is the index, every file the index and the
// JavaScript modules reference is embedded (a missing one would only show in a
// browser), and content types are right (the browser refuses modules served otherwise).
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "ui/assets.hpp"

namespace tandem::ui {
namespace {

std::string dir_of(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(path.substr(0, slash + 1));
}

// "/ui/js/" + "./store.js" -> "/ui/js/store.js"; "../panel.css" climbs one folder.
std::string resolve(const std::string& base, std::string ref) {
  if (ref.rfind('/', 0) == 0) return ref;
  std::string dir = base;
  while (ref.rfind("../", 0) == 0) {
    dir = dir_of(dir.substr(0, dir.size() - 1));
    ref = ref.substr(3);
  }
  if (ref.rfind("./", 0) == 0) ref = ref.substr(2);
  return dir + ref;
}

TEST(PanelAssets, RootIsTheIndexPage) {
  const Asset* root = find_asset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->path, "/ui/index.html");
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_NE(root->body().find("/ui/js/app.js"), std::string_view::npos);
  EXPECT_EQ(find_asset("/ui/nope.js"), nullptr);
  EXPECT_EQ(find_asset("/etc/passwd"), nullptr);
}

TEST(PanelAssets, EveryReferencedFileIsEmbeddedWithItsContentType) {
  const std::regex html_ref(R"((?:src|href)="(/ui/[^"]+)\")");
  const std::regex js_import(R"(from '(\.{1,2}/[^']+)')");
  std::set<std::string> seen;
  int checked = 0;
  for (const Asset& a : all_assets()) {
    seen.insert(std::string(a.path));
    const std::string body(a.body());
    EXPECT_EQ(a.data[a.size], 0) << a.path << " lacks its terminating NUL";
    if (a.path.size() > 3 && a.path.substr(a.path.size() - 3) == ".js") {
      EXPECT_EQ(a.content_type, "text/javascript; charset=utf-8") << a.path;
      for (std::sregex_iterator it(body.begin(), body.end(), js_import), end; it != end; ++it) {
        const std::string target = resolve(dir_of(a.path), (*it)[1]);
        EXPECT_NE(find_asset(target), nullptr) << a.path << " imports missing " << target;
        ++checked;
      }
    }
    if (a.path.size() > 5 && a.path.substr(a.path.size() - 5) == ".html") {
      for (std::sregex_iterator it(body.begin(), body.end(), html_ref), end; it != end; ++it) {
        EXPECT_NE(find_asset((*it)[1].str()), nullptr) << a.path << " references missing " << (*it)[1];
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20) << "the reference scan found too little to be checking anything";
  EXPECT_TRUE(seen.count("/ui/panel.css"));
  EXPECT_EQ(find_asset("/ui/panel.css")->content_type, "text/css; charset=utf-8");
}

}  // namespace
}  // namespace tandem::ui
