// Free TCP ports for tests that start listeners (tandemd's http and actor ports).
#pragma once

namespace tandem::test {

// A port on 127.0.0.1 that nobody had bound a moment ago and no test process on this
// machine was handed in the last 10 minutes (a shared ledger, free_port.cpp), picked at
// random in 24000-31999: above pg-sandbox's clusters (15000-23999) and below the
// kernel's ephemeral range (32768+). Below it because the kernel hands out ephemeral
// ports to outgoing connections: a port taken from there (bind to port 0, as this did
// before) could be taken again by a connection before the daemon bound it, and a peer
// retrying a connection to a port nobody listens on yet can even connect to itself on
// it (TCP self-connect): CI once saw "actor.listen: … the port is in use by another
// process". Throws std::runtime_error if no port is found.
int free_tcp_port();

}  // namespace tandem::test
