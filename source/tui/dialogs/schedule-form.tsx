/** Edit a host's schedule: the cron expression is checked as it is typed, with its next runs below. */
import { Text } from 'ink';
import { UserError } from '../../domain/errors.js';
import { formatInZone } from '../../domain/format.js';
import { nextFires, resolveCron, validateCron, validateScheduleName } from '../../domain/schedule.js';
import { validateTimeZone } from '../../domain/validation.js';
import type { ScheduleView } from '../../services/schedule/schedules.js';
import { errorText } from '../components/chrome.js';
import type { AppEnv } from '../env.js';
import { tone } from '../theme.js';
import { type FieldSpec, type FormState, formDialog, newForm, yesNo } from './form.js';

export interface ScheduleValues {
  name: string;
  cron: string;
  /** empty: the global one */
  timezone: string;
  /** yes or no */
  prune: string;
}

export interface ScheduleFormDialog {
  kind: 'schedule-form';
  host: string;
  initial: ScheduleView | undefined;
  /** the names of the host's schedules: a new one takes none of them */
  taken: string[];
  form: FormState<ScheduleValues>;
}

/** A name for a new schedule that none of `taken` has: "default" first. */
function freeName(taken: readonly string[]): string {
  if (!taken.includes('default')) return 'default';
  let number = 2;
  while (taken.includes(`backup${number}`)) number++;
  return `backup${number}`;
}

export function scheduleForm(host: string, initial: ScheduleView | undefined, taken: string[] = []): ScheduleFormDialog {
  const values: ScheduleValues = {
    name: initial?.name ?? freeName(taken),
    cron: initial?.cron ?? '15 2 * * *',
    timezone: initial?.ownTimeZone ?? '',
    prune: initial?.prune ? 'yes' : 'no',
  };
  return { kind: 'schedule-form', host, initial, taken, form: newForm(values) };
}

const zoneOf = (values: ScheduleValues, env: AppEnv) => values.timezone.trim() || env.timeZone;

export const SCHEDULE_FORM = formDialog<ScheduleFormDialog, ScheduleValues>({
  title: ({ host, initial }) => (initial ? `Schedule ${initial.name} of ${host}` : `New schedule of ${host}`),
  fields: (dialog, env): FieldSpec<ScheduleValues>[] => [
    {
      key: 'name',
      label: 'name',
      hint: dialog.initial ? 'another name saves a new schedule beside this one' : undefined,
      validate: (value) => {
        const name = validateScheduleName(value);
        if (name !== dialog.initial?.name && dialog.taken.includes(name)) {
          throw new UserError(`${dialog.host} has a schedule "${name}" already: give this one another name, or edit that one (c)`);
        }
        return name;
      },
    },
    {
      key: 'cron',
      label: 'cron',
      hint: 'minute hour day month weekday (6 fields: seconds first); H: a minute or hour picked by the host name',
      validate: (value, values) => validateCron(value, zoneOf(values, env), dialog.host),
    },
    {
      key: 'timezone',
      label: 'time zone',
      hint: `empty: the global one (${env.timeZone})`,
      validate: (value) => (value.trim() ? validateTimeZone(value.trim()) : undefined),
    },
    {
      key: 'prune',
      label: 'prune after',
      hint: 'yes or no: apply the retention policy after each good backup',
      validate: (value) => yesNo('prune', value),
    },
  ],
  async save({ host, form: { values } }, env) {
    const saved = await env.backend.configureSchedule(host, values.name, {
      cron: values.cron,
      timeZone: values.timezone.trim() || undefined,
      prune: yesNo('prune', values.prune),
    });
    const next = saved.nextFires[0];
    return `saved schedule ${saved.host}/${saved.name}: next run ${next ? formatInZone(new Date(next), saved.timeZone) : '-'}`;
  },
  Below: ({ dialog, env }) => {
    const zone = zoneOf(dialog.form.values, env);
    try {
      const cron = validateCron(dialog.form.values.cron, validateTimeZone(zone), dialog.host);
      const resolved = resolveCron(cron, dialog.host);
      const times = nextFires(resolved, zone, env.now, 5).map((time) => formatInZone(time, zone));
      return (
        <>
          {resolved === cron ? null : <Text color={tone('muted')}>{`H for ${dialog.host}: ${resolved}`}</Text>}
          <Text bold>next runs:</Text>
          {times.map((time) => (
            <Text key={time} color={tone('muted')}>
              {'  '}
              {time}
            </Text>
          ))}
        </>
      );
    } catch (failure) {
      return (
        <Text color={tone('bad')} wrap="wrap">
          {errorText(failure)}
        </Text>
      );
    }
  },
});
