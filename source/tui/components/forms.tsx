/**
 * The forms of the TUI: add or edit a host, edit a schedule (the cron expression checked as
 * you type, with its next runs), edit a retention policy (with a live what-if preview). Each
 * field is checked by the same function the CLI uses; saving goes through the same service.
 */
import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { formatInZone } from '../../domain/format.js';
import type { PolicyInput, RetentionPolicy } from '../../domain/retention.js';
import { validatePolicy } from '../../domain/retention.js';
import { nextFires, validateCron, validateScheduleName } from '../../domain/schedule.js';
import {
  validateAddress,
  validateExcludes,
  validateHostName,
  validatePort,
  validateSources,
  validateTimeZone,
  validateUser,
} from '../../domain/validation.js';
import type { HostView } from '../../services/hosts/hosts.js';
import type { ScheduleView } from '../../services/schedule/schedules.js';
import type { RetentionView } from '../../services/snapshots/retention.js';
import { tone } from '../theme.js';
import { type FieldSpec, Form } from './dialogs.js';

const words = (text: string) => text.split(/\s+/).filter(Boolean);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function HostForm(props: {
  initial: HostView | undefined;
  width: number;
  onSave: (name: string, values: { address: string; user: string; port: string; sources: string[]; excludes: string[] }) => Promise<void>;
  onCancel: () => void;
}) {
  const { initial } = props;
  const [values, setValues] = useState<Record<string, string>>({
    name: initial?.name ?? '',
    address: initial?.address ?? '',
    user: initial?.user ?? 'root',
    port: String(initial?.port ?? 22),
    sources: initial?.sources.join(' ') ?? '',
    excludes: initial?.excludes.join(' ') ?? '',
  });
  const [error, setError] = useState<string>();
  const fields: FieldSpec[] = [
    ...(initial ? [] : [{ key: 'name', label: 'name', hint: 'lowercase letters, digits, dots, dashes', validate: validateHostName }]),
    { key: 'address', label: 'address', hint: 'hostname or IP address, or "local" for this server', validate: validateAddress },
    { key: 'user', label: 'ssh user', validate: validateUser },
    { key: 'port', label: 'ssh port', validate: validatePort },
    { key: 'sources', label: 'sources', hint: 'absolute paths, separated by spaces', validate: (value) => validateSources(words(value)) },
    {
      key: 'excludes',
      label: 'excludes',
      hint: 'rsync patterns, separated by spaces',
      validate: (value) => validateExcludes(words(value)),
    },
  ];
  return (
    <Form
      title={initial ? `Edit host ${initial.name}` : 'Add a host'}
      fields={fields}
      values={values}
      onChange={setValues}
      width={props.width}
      error={error}
      onCancel={props.onCancel}
      onSubmit={() => {
        props
          .onSave(initial?.name ?? values['name']!, {
            address: values['address']!,
            user: values['user']!,
            port: values['port']!,
            sources: words(values['sources']!),
            excludes: words(values['excludes']!),
          })
          .catch((failure: unknown) => setError(message(failure)));
      }}
    />
  );
}

export function ScheduleForm(props: {
  host: string;
  initial: ScheduleView | undefined;
  globalTimeZone: string;
  width: number;
  now: Date;
  onSave: (name: string, values: { cron: string; timeZone: string | undefined; prune: boolean }) => Promise<void>;
  onCancel: () => void;
}) {
  const { initial } = props;
  const [values, setValues] = useState<Record<string, string>>({
    name: initial?.name ?? 'default',
    cron: initial?.cron ?? '15 2 * * *',
    timezone: initial?.ownTimeZone ?? '',
    prune: initial?.prune ? 'yes' : 'no',
  });
  const [error, setError] = useState<string>();
  const zone = values['timezone']?.trim() || props.globalTimeZone;
  let preview: string[] | string;
  try {
    const cron = validateCron(values['cron'], validateTimeZone(zone));
    preview = nextFires(cron, zone, props.now, 5).map((time) => formatInZone(time, zone));
  } catch (failure) {
    preview = message(failure);
  }
  const fields: FieldSpec[] = [
    { key: 'name', label: 'name', validate: validateScheduleName },
    {
      key: 'cron',
      label: 'cron',
      hint: 'minute hour day month weekday (6 fields: seconds first)',
      validate: (value) => validateCron(value, zone),
    },
    {
      key: 'timezone',
      label: 'time zone',
      hint: `empty: the global one (${props.globalTimeZone})`,
      validate: (value) => (value.trim() ? validateTimeZone(value.trim()) : undefined),
    },
    {
      key: 'prune',
      label: 'prune after',
      hint: 'yes or no: apply the retention policy after each good backup',
      validate: (value) => yesNo(value),
    },
  ];
  return (
    <Form
      title={`Schedule of ${props.host}`}
      fields={fields}
      values={values}
      onChange={setValues}
      width={props.width}
      error={error}
      onCancel={props.onCancel}
      onSubmit={() => {
        props
          .onSave(values['name']!, {
            cron: values['cron']!,
            timeZone: values['timezone']?.trim() || undefined,
            prune: yesNo(values['prune']!),
          })
          .catch((failure: unknown) => setError(message(failure)));
      }}
    >
      {typeof preview === 'string' ? (
        <Text color={tone('bad')} wrap="wrap">
          {preview}
        </Text>
      ) : (
        <>
          <Text bold>next runs:</Text>
          {preview.map((time) => (
            <Text key={time} color={tone('muted')}>
              {'  '}
              {time}
            </Text>
          ))}
        </>
      )}
    </Form>
  );
}

function yesNo(value: string): boolean {
  if (/^(y|yes)$/i.test(value.trim())) return true;
  if (/^(n|no)$/i.test(value.trim())) return false;
  throw new Error(`prune "${value}" is not allowed: answer yes or no`);
}

const POLICY_FIELDS: [keyof PolicyInput, string, string][] = [
  ['keepWithin', 'keep within', 'a duration: 36h, 7d, 2w, 6m, 1y; empty: off'],
  ['keepLast', 'keep last', 'the newest N snapshots'],
  ['keepHourly', 'keep hourly', 'the newest of each of the newest N hours'],
  ['keepDaily', 'keep daily', '... days'],
  ['keepWeekly', 'keep weekly', '... ISO weeks'],
  ['keepMonthly', 'keep monthly', '... months'],
  ['keepYearly', 'keep yearly', '... years'],
  ['scope', 'kinds', 'scheduled, manual or all'],
];

/** The policy's fields, and below them what the edited policy would do, as you type. */
export function PolicyForm(props: {
  host: string;
  initial: RetentionPolicy;
  width: number;
  preview: (whatIf: PolicyInput) => Promise<RetentionView>;
  onSave: (policy: PolicyInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>(
    Object.fromEntries(
      POLICY_FIELDS.map(([key]) => [
        key,
        key === 'keepWithin' ? (props.initial.keepWithin ?? '') : String(props.initial[key as keyof RetentionPolicy]),
      ]),
    ),
  );
  const [error, setError] = useState<string>();
  const [outcome, setOutcome] = useState<string>('');
  const input = Object.fromEntries(
    POLICY_FIELDS.map(([key]) => [key, values[key]!.trim() === '' && key === 'keepWithin' ? null : values[key]!.trim()]),
  ) as PolicyInput;
  const serialized = JSON.stringify(input);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `input` is a new object every render; its serialized form says when it changed
  useEffect(() => {
    let alive = true;
    const timer = setTimeout(() => {
      try {
        validatePolicy(input);
      } catch (failure) {
        setOutcome(message(failure));
        return;
      }
      props
        .preview(input)
        .then(
          (plan) =>
            alive &&
            setOutcome(
              `what if: ${plan.kept} kept, ${plan.removed} removed` +
                (plan.removed > 0 ? `, oldest removed ${plan.entries.filter((entry) => entry.action === 'remove').at(-1)?.name}` : ''),
            ),
        )
        .catch((failure: unknown) => alive && setOutcome(message(failure)));
    }, 200);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [serialized]);
  const fields: FieldSpec[] = POLICY_FIELDS.map(([key, label, hint]) => ({
    key,
    label,
    hint,
    validate: (value: string) => validatePolicy({ [key]: key === 'keepWithin' && value.trim() === '' ? null : value.trim() }),
  }));
  return (
    <Form
      title={`Retention policy of ${props.host}`}
      fields={fields}
      values={values}
      onChange={setValues}
      width={props.width}
      error={error}
      onCancel={props.onCancel}
      onSubmit={() => {
        props.onSave(input).catch((failure: unknown) => setError(message(failure)));
      }}
    >
      <Text bold wrap="wrap">
        {outcome}
      </Text>
    </Form>
  );
}
