// Every route tandemd serves, registered in one place so that the daemon and the tests
// (OpenAPI consistency, the bad-request table) see the same table. docs/openapi.yaml
// documents each of them; tests/unit/http_openapi_test.cpp keeps the two equal.
#pragma once

#include "actors/node_api.hpp"
#include "config/config.hpp"
#include "http/health_routes.hpp"
#include "http/router.hpp"

namespace tandem::http {

// `node` and `config` must outlive the router.
void add_api_routes(Router& router, NodeApi& node, const Config& config, HealthInfo health);

}  // namespace tandem::http
