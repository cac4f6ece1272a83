/**
 * What a command waits for before it exits: the expired trees a prune after a backup removes in
 * the background (engine/purge.ts). Kept apart from deletion.ts so the harness can import it
 * without loading the catalogue.
 */
export { purgesSettled as backgroundDeletionsSettled } from '../../engine/purge.js';
