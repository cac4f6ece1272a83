/** Carrying out a confirmed question: each answer is done by the pane that asked it. */
import type { AppEnv } from '../env.js';
import { queueBackup } from '../global-keys.js';
import { deprecateArchive } from '../panes/archives.js';
import { removeHost, removeSchedule, trustHostKeys } from '../panes/host.js';
import { applyRetention } from '../panes/retention.js';
import { cancelRun } from '../panes/runs.js';
import { restorePath } from '../panes/snapshot-browser.js';
import { deleteSnapshot, restoreDump } from '../panes/snapshots.js';
import type { Answer } from './dialog.js';

const ANSWERS: { [K in Answer['do']]: (env: AppEnv, answer: Extract<Answer, { do: K }>) => void } = {
  quit: (env) => env.exit(),
  'queue-backup': queueBackup,
  'cancel-run': cancelRun,
  'apply-retention': applyRetention,
  'remove-host': removeHost,
  'remove-schedule': removeSchedule,
  'trust-host': trustHostKeys,
  'deprecate-archive': deprecateArchive,
  'delete-snapshot': deleteSnapshot,
  restore: restorePath,
  'restore-dump': restoreDump,
};

export function carryOut(env: AppEnv, answer: Answer): void {
  (ANSWERS[answer.do] as (env: AppEnv, answer: Answer) => void)(env, answer);
}
