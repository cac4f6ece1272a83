/** Edit a host's retention policy, with what the edited policy would do shown as you type. */
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { DEFAULT_POLICY, type PolicyInput, type RetentionPolicy, validatePolicy } from '../../domain/retention.js';
import { errorText } from '../components/chrome.js';
import type { AppEnv } from '../env.js';
import { type FieldSpec, type FormState, formDialog, newForm } from './form.js';

export type PolicyValues = { [K in keyof RetentionPolicy]: string };

export interface PolicyFormDialog {
  kind: 'policy-form';
  host: string;
  form: FormState<PolicyValues>;
}

/** `initial`: the policy as it is; undefined (not loaded yet): the default one. */
export function policyForm(host: string, initial: RetentionPolicy = DEFAULT_POLICY): PolicyFormDialog {
  const values: PolicyValues = {
    keepWithin: initial.keepWithin ?? '',
    keepLast: String(initial.keepLast),
    keepHourly: String(initial.keepHourly),
    keepDaily: String(initial.keepDaily),
    keepWeekly: String(initial.keepWeekly),
    keepMonthly: String(initial.keepMonthly),
    keepYearly: String(initial.keepYearly),
    scope: initial.scope,
  };
  return { kind: 'policy-form', host, form: newForm(values) };
}

const FIELDS: [keyof PolicyValues, string, string][] = [
  ['keepWithin', 'keep within', 'a duration: 36h, 7d, 2w, 6m, 1y; empty: off'],
  ['keepLast', 'keep last', 'the newest N snapshots'],
  ['keepHourly', 'keep hourly', 'the newest of each of the newest N hours'],
  ['keepDaily', 'keep daily', '... days'],
  ['keepWeekly', 'keep weekly', '... ISO weeks'],
  ['keepMonthly', 'keep monthly', '... months'],
  ['keepYearly', 'keep yearly', '... years'],
  ['scope', 'kinds', 'scheduled, manual or all'],
];

/** A field as the policy takes it: trimmed; an empty keep-within is off. */
const fieldInput = (key: keyof PolicyValues, value: string) => (key === 'keepWithin' && value.trim() === '' ? null : value.trim());

const policyInput = (values: PolicyValues): PolicyInput =>
  Object.fromEntries(FIELDS.map(([key]) => [key, fieldInput(key, values[key])])) as PolicyInput;

export const POLICY_FORM = formDialog<PolicyFormDialog, PolicyValues>({
  title: ({ host }) => `Retention policy of ${host}`,
  fields: () =>
    FIELDS.map(
      ([key, label, hint]): FieldSpec<PolicyValues> => ({
        key,
        label,
        hint,
        validate: (value) => validatePolicy({ [key]: fieldInput(key, value) }),
      }),
    ),
  async save({ host, form: { values } }, env) {
    const saved = await env.backend.savePolicy(host, policyInput(values));
    env.panes().retention.resetScope();
    return `saved the retention policy of ${saved.host}`;
  },
  Below: ({ dialog, env }) => <WhatIf host={dialog.host} input={policyInput(dialog.form.values)} env={env} />,
});

/** What the edited policy would do, a moment after the typing stops. */
function WhatIf({ host, input, env }: { host: string; input: PolicyInput; env: AppEnv }) {
  const [outcome, setOutcome] = useState('');
  const serialized = JSON.stringify(input);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `input` is a new object every render; its serialized form says when it changed
  useEffect(() => {
    let alive = true;
    const timer = setTimeout(() => {
      try {
        validatePolicy(input);
      } catch (failure) {
        setOutcome(errorText(failure));
        return;
      }
      env.backend
        .retention(host, input)
        .then(
          (plan) =>
            alive &&
            setOutcome(
              `what if: ${plan.kept} kept, ${plan.removed} removed` +
                (plan.removed > 0 ? `, oldest removed ${plan.entries.filter((entry) => entry.action === 'remove').at(-1)?.name}` : ''),
            ),
        )
        .catch((failure: unknown) => alive && setOutcome(errorText(failure)));
    }, 200);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [serialized, host]);
  return (
    <Text bold wrap="wrap">
      {outcome}
    </Text>
  );
}
