// The control panel: GET / (index.html) and GET /ui/... (its CSS and JavaScript
// modules), served from the files embedded in the binary (ui/assets.hpp). No auth on
// these: the admin token is typed into the page and sent only with API calls.
#pragma once

#include "http/router.hpp"

namespace tandem::http {

void add_ui_routes(Router& router);

}  // namespace tandem::http
