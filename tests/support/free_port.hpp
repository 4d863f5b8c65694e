// Free TCP ports for tests that start listeners (tandemd's http and actor ports).
#pragma once

namespace tandem::test {

// A port on 127.0.0.1 that nobody listened on a moment ago: the kernel picks it (bind to
// port 0) from its ephemeral range, which pg-sandbox's clusters stay below, so the two
// never hand out the same port. Throws std::runtime_error if no socket can be bound.
int free_tcp_port();

}  // namespace tandem::test
