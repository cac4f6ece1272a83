import { UserError } from '../domain/errors.js';
import { formatBytes, formatCount, formatTable } from '../domain/format.js';
import { describePolicy, type PolicyInput } from '../domain/retention.js';
import { validatePositiveInteger } from '../domain/validation.js';
import { planRetentionOf, previewRetention, type RetentionView, viewOf, whyOf } from '../services/snapshots/retention-plan.js';
import { defineCommand } from './command.js';
import { confirmByTyping, isInteractive, print, printJson } from './output.js';
import { printRetentionJson } from './retention-json.js';

export default defineCommand({
  help: `
Usage: pobsync retention <host> [--kind scheduled|manual|all] [policy options] [--size] [--json]
       pobsync retention <host> [policy options] --save | --use-global --save
       pobsync retention <host> [policy options] --apply [--max-delete N] [--yes]
       pobsync retention --global [policy options] [--save]

Shows which snapshots the host's retention policy keeps, each with the reasons it is kept,
and which it removes: read from the catalogue, nothing is deleted. Policy options change the
policy for this preview only (what if?); --save stores them; --apply deletes the removed
snapshots. The rules are borg's prune rules: keep-within keeps everything younger than the
duration; then last, hourly, daily, weekly, monthly and yearly each keep the newest snapshot
of their newest periods (calendar periods in the configured time zone). Protected snapshots,
the newest complete snapshot and the base of a queued or running backup are always kept.
A policy with no rule keeps everything.

  --keep-within D     keep every snapshot younger than D: 36h, 7d, 2w, 6m (31d), 1y (365d)
  --keep-last N       keep the N newest snapshots
  --keep-hourly N     keep the newest snapshot of each of the N newest hours with one
  --keep-daily N      ... days
  --keep-weekly N     ... ISO weeks
  --keep-monthly N    ... months
  --keep-yearly N     ... years  (0 turns a rule off)
  --kind K            which snapshot kinds the policy governs: scheduled (default; replicas
                      count as scheduled), manual, or all; the others are kept, out of scope
  --save              store the policy on the host (or, with --global, as the default)
  --use-global        with --save: drop the host's own policy and use the global default
  --apply             delete the snapshots the plan removes, oldest first; asks you to type
                      the host name on a terminal, needs --yes without one
  --max-delete N      with --apply: delete at most N now; the rest wait for the next apply
  --size              measure what deleting the removed snapshots frees (walks their trees)
  --json              print the plan (or the policy) as JSON
`,
  flags: {
    global: { type: 'boolean' },
    kind: { type: 'string' },
    keepWithin: { type: 'string' },
    keepLast: { type: 'string' },
    keepHourly: { type: 'string' },
    keepDaily: { type: 'string' },
    keepWeekly: { type: 'string' },
    keepMonthly: { type: 'string' },
    keepYearly: { type: 'string' },
    save: { type: 'boolean' },
    useGlobal: { type: 'boolean' },
    apply: { type: 'boolean' },
    maxDelete: { type: 'string' },
    yes: { type: 'boolean' },
    size: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: 1,
  async run({ args, flags, app, reader }) {
    const whatIf: PolicyInput = {
      keepWithin: flags.keepWithin,
      keepLast: flags.keepLast,
      keepHourly: flags.keepHourly,
      keepDaily: flags.keepDaily,
      keepWeekly: flags.keepWeekly,
      keepMonthly: flags.keepMonthly,
      keepYearly: flags.keepYearly,
      scope: flags.kind,
    };
    const hostName = flags.global ? null : args[0];
    if (flags.global && args[0] !== undefined) throw new UserError('give either a host or --global, not both');
    if (hostName === undefined) throw new UserError('host is missing: pobsync retention <host> (or --global for the default policy)');
    if (flags.apply && (flags.save || hostName === null))
      throw new UserError("--apply deletes one host's snapshots: use it with a host and without --save");
    if (flags.useGlobal && !flags.save) throw new UserError('--use-global changes the stored policy: add --save');
    const policyGiven = Object.values(whatIf).some((value) => value !== undefined);
    if (flags.useGlobal && policyGiven) throw new UserError("--use-global drops the host's own policy: give no policy options with it");
    if (hostName === null && policyGiven && !flags.save) {
      throw new UserError(
        'a global policy has no snapshots to preview: add --save to store it, or preview it on a host (pobsync retention <host> ...)',
      );
    }
    const maxDelete = flags.maxDelete === undefined ? undefined : validatePositiveInteger('max-delete', flags.maxDelete, 1_000_000);
    if (maxDelete !== undefined && !flags.apply) throw new UserError('--max-delete limits --apply: add --apply');
    if (!flags.save && hostName !== null && !flags.apply) {
      // A preview only reads: the catalogue opened for reading, without the ORM.
      const planned = await planRetentionOf(await reader(), hostName, { whatIf, measure: flags.size });
      if (flags.json) return printRetentionJson(planned);
      return print(describePlan(viewOf(planned)));
    }
    const opened = await app();
    const { applyRetention, getPolicy, savePolicy } = await import('../services/snapshots/retention.js');

    if (flags.save || hostName === null) {
      const saved = flags.save ? await savePolicy(opened, hostName, whatIf, { useGlobal: flags.useGlobal }) : await getPolicy(opened, null);
      if (flags.json) return printJson(saved);
      return print(
        `${flags.save ? 'saved: ' : ''}${saved.host ?? 'global default'} ` +
          `policy${saved.source === 'global' && saved.host ? ' (the global default)' : ''}: ${describePolicy(saved.policy)}`,
      );
    }

    const preview = await previewRetention(opened, hostName, { whatIf });
    if (preview.removed === 0) {
      if (flags.json) return printJson({ plan: preview, deleted: [], leftForLater: 0 });
      return print(`${describePlan(preview)}\nnothing to delete`);
    }
    const count = Math.min(preview.removed, maxDelete ?? preview.removed);
    if (!flags.json && isInteractive()) print(describePlan(preview));
    const confirmed = await confirmByTyping(preview.host, `This deletes ${formatCount(count, 'snapshot')} of ${preview.host} from disk.`, {
      yes: flags.yes,
      what: `deleting ${formatCount(count, 'snapshot')} of ${preview.host}`,
    });
    if (!confirmed) {
      print('nothing deleted');
      return 1;
    }
    const result = await applyRetention(opened, hostName, {
      whatIf,
      maxDelete,
      measure: flags.size,
      confirmed: preview.entries.filter((entry) => entry.action === 'remove').map((entry) => entry.name),
      onProgress: flags.json ? undefined : (done, total, name) => name && print(`deleting ${done + 1}/${total} ${name}`),
    });
    if (flags.json) return printJson(result);
    print(
      `deleted ${formatCount(result.deleted.length, 'snapshot')}` +
        `${result.plan.bytesFreed !== null ? `, freed ${formatBytes(result.plan.bytesFreed)}` : ''}; ${result.plan.kept} kept`,
    );
    if (result.unconfirmed.length > 0)
      print(`the plan changed while you confirmed: ${result.unconfirmed.join(' ')} not deleted (run the preview again)`);
    if (result.leftForLater > 0)
      print(`${result.leftForLater} more the plan removes are left for the next apply (--max-delete ${maxDelete})`);
  },
});

function describePlan(view: RetentionView): string {
  const source = view.policySource === 'what-if' ? 'what-if preview, not saved' : `${view.policySource} policy`;
  const lines = [`${view.host}: ${describePolicy(view.policy)} (${source}; periods in ${view.timeZone})`, ''];
  if (view.entries.length === 0) return [...lines, 'no snapshots'].join('\n');
  lines.push(
    formatTable(
      ['SNAPSHOT', 'KIND', 'STATUS', 'PLAN', 'WHY'],
      view.entries.map((entry) => [
        entry.name,
        entry.kind,
        entry.status === 'partial' ? 'PARTIAL' : 'complete',
        entry.action === 'keep' ? 'keep' : 'REMOVE',
        whyOf(entry).join(', '),
      ]),
    ),
    '',
    `${view.kept} kept, ${view.removed} removed` +
      (view.bytesFreed !== null
        ? `, ${formatBytes(view.bytesFreed)} freed`
        : view.removed > 0
          ? ' (--size measures the space it frees)'
          : ''),
  );
  return lines.join('\n');
}
