import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { formatBytes } from '../../domain/format.js';
import { describePolicy, type RetentionScope } from '../../domain/retention.js';
import type { RetentionView } from '../../services/snapshots/retention.js';
import { Table } from '../components/table.js';
import { tone } from '../theme.js';

export const RETENTION_KEYS: [string, string][] = [
  ['s/m/a', 'scope'],
  ['e', 'edit policy'],
  ['x', 'apply'],
  ['j/k', 'scroll'],
];

const SCOPE_KEYS: Record<string, RetentionScope> = { s: 'scheduled', m: 'manual', a: 'all' };

/**
 * The host's policy and what it does to the snapshots: every one, KEEP or REMOVE, and why.
 * s/m/a preview the policy on another scope of kinds; nothing is deleted until x.
 */
export function RetentionPane(props: {
  plan: RetentionView | undefined;
  scope: RetentionScope;
  active: boolean;
  width: number;
  height: number;
  onScope: (scope: RetentionScope) => void;
  onEdit: () => void;
  onApply: () => void;
}) {
  const { plan, width, height } = props;
  const [selected, setSelected] = useState(0);
  const entries = plan?.entries ?? [];
  useInput(
    (input, key) => {
      const move = (index: number) => setSelected(Math.max(0, Math.min(entries.length - 1, index)));
      if (SCOPE_KEYS[input]) props.onScope(SCOPE_KEYS[input]);
      else if (input === 'e') props.onEdit();
      else if (input === 'x') props.onApply();
      else if (key.downArrow || input === 'j') move(selected + 1);
      else if (key.upArrow || input === 'k') move(selected - 1);
      else if (input === 'g') move(0);
      else if (input === 'G') move(entries.length - 1);
    },
    { isActive: props.active },
  );
  const scopes = (['scheduled', 'manual', 'all'] as const).map((scope) => (scope === props.scope ? `[${scope}]` : ` ${scope} `)).join(' ');
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">
        {plan
          ? `${describePolicy(plan.policy)}  (${plan.policySource === 'what-if' ? 'preview' : `${plan.policySource} policy`})`
          : 'loading...'}
      </Text>
      <Text wrap="truncate">
        kinds: {scopes}
        <Text color={tone('muted')}> s/m/a switch</Text>
      </Text>
      <Table
        width={width}
        height={height - 3}
        active={props.active}
        selected={selected}
        empty="no snapshots"
        columns={[
          { title: 'SNAPSHOT', width: 20 },
          { title: 'PLAN', width: 6 },
          { title: 'WHY', min: 24 },
          { title: 'KIND', width: 9, optional: true },
        ]}
        rows={entries.map((entry) => ({
          tone: entry.action === 'remove' ? 'bad' : undefined,
          cells: [entry.name, entry.action === 'keep' ? 'KEEP' : 'REMOVE', entry.reasons.join(', '), entry.kind],
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
