// Names the calling thread (at most 15 characters, as Linux keeps them), so `top -H`,
// `ps -L` and a debugger's thread list tell a node's detached actors apart (each runs
// on its own thread; CAF names them all "caf.actor").
#pragma once

namespace tandem {

void name_this_thread(const char* name);

}  // namespace tandem
