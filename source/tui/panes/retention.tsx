import { Box, Text } from 'ink';
import { formatBytes, formatCount } from '../../domain/format.js';
import { describePolicy, type RetentionScope } from '../../domain/retention.js';
import type { RetentionView } from '../../services/snapshots/retention.js';
import { Table } from '../components/table.js';
import { policyForm } from '../dialogs/policy-form.js';
import type { AppEnv } from '../env.js';
import { type Live, useLive } from '../hooks/use-live.js';
import { bind, bindingsOf, type KeySection } from '../keys/binding.js';
import { CURSOR_KEYS, useListCursor } from '../keys/cursor.js';
import { tone } from '../theme.js';
import { type Pane, type PaneEnv, POLL_MS, usePanePoll } from './pane.js';

/** The confirmed answer of "Type web1 to delete these snapshots". */
export interface ApplyRetentionAnswer {
  do: 'apply-retention';
  host: string;
  /** the preview scope the plan was shown with; undefined: the policy's own */
  scope: RetentionScope | undefined;
  /** the removals the admin saw: only these are deleted, if the plan still removes them */
  remove: string[];
}

export function applyRetention(env: AppEnv, { host, scope, remove }: ApplyRetentionAnswer): void {
  env.act(`deleting ${formatCount(remove.length, 'snapshot')} of ${host}`, async () => {
    const result = await env.backend.applyRetention(host, scope ? { scope } : {}, remove, (done, total) =>
      env.say({ kind: 'busy', text: `deleting snapshots of ${host}: ${done}/${total}` }),
    );
    const changed = result.unconfirmed.length > 0 ? `; the plan changed meanwhile, ${result.unconfirmed.length} more not deleted` : '';
    return `deleted ${formatCount(result.deleted.length, 'snapshot')} of ${host}; ${result.plan.kept} kept${changed}`;
  });
}

export interface RetentionPane extends Pane {
  /** back to the policy's own scope (after the policy was saved) */
  resetScope(): void;
}

interface RetentionContext {
  app: AppEnv;
  host: string;
  plan: RetentionView | undefined;
  /** a scope to preview the policy with, other than its own */
  scope: Live<RetentionScope | undefined>;
}

const SCOPE_KEYS: Record<string, RetentionScope> = { s: 'scheduled', m: 'manual', a: 'all' };

export const RETENTION_KEYS: KeySection<RetentionContext>[] = [
  {
    title: 'Retention',
    bindings: [
      {
        keys: Object.keys(SCOPE_KEYS),
        label: 'scope',
        footerKeys: 's/m/a',
        description: 'preview the policy on scheduled, manual or all snapshots',
        handler: (c, press) => c.scope.set(SCOPE_KEYS[press.name]),
      },
      {
        keys: ['e'],
        label: 'edit policy',
        description: 'edit the policy, with a live what-if count',
        handler: (c) => c.app.open(policyForm(c.host, c.plan?.policy)),
      },
      {
        keys: ['x'],
        label: 'apply',
        description: 'apply the plan: delete what it removes (type the host name to confirm)',
        handler: ({ app, host, plan, scope }) => {
          const remove = plan?.entries.filter((entry) => entry.action === 'remove').map((entry) => entry.name) ?? [];
          if (remove.length === 0) return app.say({ kind: 'info', text: 'the plan removes nothing' });
          app.open({
            kind: 'type-word',
            word: host,
            message:
              `This deletes ${formatCount(remove.length, 'snapshot')} of ${host} from ` +
              `disk${scope.value ? ` (with the ${scope.value} preview)` : ''}.`,
            answer: { do: 'apply-retention', host, scope: scope.value, remove },
            cancelled: 'nothing was deleted',
          });
        },
      },
    ],
  },
];

/**
 * The host's policy and what it does to the snapshots: every one, KEEP or REMOVE, and why.
 * s/m/a preview the policy on another scope of kinds; nothing is deleted until x.
 */
export function useRetentionPane(env: PaneEnv): RetentionPane {
  // A preview scope is for the host it was picked on.
  const scope = useLive<RetentionScope | undefined>(undefined, env.host);
  const polled = usePanePoll(env, (host) => env.app.backend.retention(host, scope.value ? { scope: scope.value } : {}), 2 * POLL_MS, [
    scope.value,
  ]);
  return { ...useRetention(env, polled.data, scope), error: polled.error };
}

/** The pane over a plan: `scope` is the preview scope the plan was made with (undefined: the policy's own). */
export function useRetention(env: PaneEnv, plan: RetentionView | undefined, scope: Live<RetentionScope | undefined>): RetentionPane {
  const cursor = useListCursor(plan?.entries ?? [], {
    keyOf: (entry) => entry.name,
    label: 'scroll',
    page: env.height - 4,
    scope: env.host,
  });
  const context: RetentionContext = { app: env.app, host: env.host ?? '', plan, scope };
  return {
    resetScope: () => scope.set(undefined),
    layer: () => ({ commands: [...bind(CURSOR_KEYS, cursor), ...bind(bindingsOf(RETENTION_KEYS), context)] }),
    view: (active) => (
      <PlanView
        plan={plan}
        scope={scope.value ?? plan?.policy.scope ?? 'scheduled'}
        previewed={scope.value !== undefined}
        selected={cursor.position()}
        active={active}
        width={env.width}
        height={env.height}
      />
    ),
  };
}

/** Whose policy the plan shows: the host's, the global one, or one of them previewed on another scope. */
function policyLabel(plan: RetentionView, previewed: boolean): string {
  if (plan.policySource !== 'what-if') return `${plan.policySource} policy`;
  return previewed && plan.savedSource ? `${plan.savedSource} policy, previewed on ${plan.policy.scope} snapshots` : 'preview';
}

export function PlanView(props: {
  plan: RetentionView | undefined;
  scope: RetentionScope;
  /** the scope is a preview, not the policy's own */
  previewed: boolean;
  selected: number;
  active: boolean;
  width: number;
  height: number;
}) {
  const { plan, width, height } = props;
  const scopes = (['scheduled', 'manual', 'all'] as const).map((scope) => (scope === props.scope ? `[${scope}]` : ` ${scope} `)).join(' ');
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">{plan ? `${describePolicy(plan.policy)}  (${policyLabel(plan, props.previewed)})` : 'loading...'}</Text>
      <Text wrap="truncate">
        kinds: {scopes}
        <Text color={tone('muted')}> s/m/a switch</Text>
      </Text>
      <Table
        width={width}
        height={height - 3}
        active={props.active}
        selected={props.selected}
        empty="no snapshots"
        columns={[
          { title: 'SNAPSHOT', width: 20 },
          { title: 'PLAN', width: 6 },
          { title: 'WHY', min: 24 },
          { title: 'KIND', width: 9, optional: true },
        ]}
        rows={(plan?.entries ?? []).map((entry) => ({
          tone: entry.action === 'remove' ? 'bad' : undefined,
          cells: [
            entry.name,
            entry.action === 'keep' ? 'KEEP' : 'REMOVE',
            (entry.action === 'keep' ? entry.reasons : (entry.removedBecause ?? [])).join(', '),
            entry.kind,
          ],
        }))}
      />
      <Text wrap="truncate" bold>
        {plan
          ? `${plan.kept} kept, ${plan.removed} to ` +
            `remove${plan.bytesFreed !== null ? `, ${formatBytes(plan.bytesFreed)} freed` : ''}${plan.removed > 0 ? '  (x applies)' : ''}`
          : ''}
      </Text>
    </Box>
  );
}
