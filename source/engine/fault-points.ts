/**
 * Crash points for the fault suite (test/faults): `POBSYNC_FAULT=<point>:kill` makes pobsync kill
 * itself with SIGKILL when it reaches <point>, as a crash or a power cut would there;
 * `<point>:stop` stops it (SIGSTOP) so a test can act in that very instant and then let it go on
 * (SIGCONT). Unset, as it always is outside the tests, a point costs one comparison.
 */
/** `replica-pulled`: a replica's first pull is done, before its check (and any --checksum pull again). */
export type FaultPoint = 'during-sync' | 'after-meta' | 'after-rename' | 'replica-pulled';

const wanted = process.env['POBSYNC_FAULT'];

export function faultPoint(point: FaultPoint): void {
  if (wanted === undefined) return;
  if (wanted === `${point}:kill`) process.kill(process.pid, 'SIGKILL');
  if (wanted === `${point}:stop`) process.kill(process.pid, 'SIGSTOP');
}
