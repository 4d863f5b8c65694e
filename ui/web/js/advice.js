// "What to do" under an error: the admin's next step for the failures SPEC.md names.
// Matched on the error's words because the API's errors are sentences, not codes.

const RULES = [
  [/waits for a lock held by/i, 'End that transaction on the target (commit or roll it back in the application, or pg_terminate_backend with the process number) and the sync goes on by itself. Do not clear the session: it is not stuck, and clearing throws its work away.'],
  [/stalled|stuck/i, 'If it stays like this, use "Clear stuck sessions" on the History page; it ends the job cleanly and frees the lock.'],
  [/unreachable|connect|peer .*down|timed? ?out|network|handshake/i, 'Check that tandemd runs on the other server and that its actor port is reachable from this one, then start the sync again: it resumes safely.'],
  [/schema|column|type mismatch|primary key|no key/i, 'Make the two schemas match (run the application\'s migrations on both servers), or list the table in sync.exclude_tables. The target was not touched.'],
  [/disk|space|ENOSPC|no room/i, 'Free disk space in the state_dir of the node named above, then start again. The target was not touched.'],
  [/verify|checksum|count/i, 'The copy did not match the source. Start the sync again; if it repeats, look for writers on the target during the sync.'],
  [/cancel/i, 'Nothing to repair: the target was left as it was.'],
  [/token|auth|secret/i, 'Check that both nodes share the same actor.secret in tandem.json.'],
];

export function whatToDo(error) {
  const text = String(error || '');
  for (const [pattern, advice] of RULES) if (pattern.test(text)) return advice;
  return 'See the detailed log below and the daemon logs of both nodes. Starting the sync again is safe: it never duplicates rows.';
}
