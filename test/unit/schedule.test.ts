import { describe, expect, it } from 'vitest';
import { formatInZone } from '../../source/domain/format.js';
import { describeCron, dueFire, nextFires, resolveCron, validateCron, validateScheduleName } from '../../source/domain/schedule.js';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('schedules', () => {
  it("accept 5 fields, or 6 with seconds, and refuse anything else with croner's reason", () => {
    expect(validateCron('15 2 * * *', 'UTC')).toBe('15 2 * * *');
    expect(validateCron('  */10   * * * * * ', 'UTC')).toBe('*/10 * * * * *');
    const syntax = 'a field is *, a number, a list (1,15), a range (1-5) or a step (*/15)';
    expect(() => validateCron('61 * * * *', 'UTC')).toThrow(
      `cron expression "61 * * * *" is not allowed: minute "61" must be 0-59; ${syntax}`,
    );
    expect(() => validateCron('* * *', 'UTC')).toThrow('cron expression "* * *" is not allowed: it has 3 fields; use 5 fields (minute');
    expect(() => validateCron('* * * * * * *', 'UTC')).toThrow(/it has 7 fields; use 5 fields/);
    expect(() => validateCron('0 0 31 2 *', 'UTC')).toThrow(
      'cron expression "0 0 31 2 *" is not allowed: it never fires (no such date in any year)',
    );
    expect(validateCron('0 0 29 2 *', 'UTC')).toBe('0 0 29 2 *');
    expect(() => validateCron('0 0 1 1 * 2030 x', 'UTC')).toThrow(/is not allowed/);
    expect(() => validateCron('', 'UTC')).toThrow('cron expression "" is not allowed: it is empty');
    expect(() => validateScheduleName('Nightly')).toThrow(/schedule name "Nightly" is not allowed/);
  });

  it('say which field is wrong and what it takes, in words an admin types, not in the library words', () => {
    const refusal = (expression: string) => {
      try {
        validateCron(expression, 'UTC');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal('*0 3 * * *')).toMatch(/: minute "\*0" must be 0-59; a field is \*, a number/);
    expect(refusal('0 3 32 * *')).toMatch(/: day of month "32" must be 1-31;/);
    expect(refusal('0 3 * * mon-xx')).toMatch(/: day of week "mon-xx" must be 0-7 or sun-sat \(0 and 7 are Sunday\);/);
    expect(refusal('0 25 * * *')).toMatch(/: hour "25" must be 0-23;/);
    expect(refusal('0 3 * 13 *')).toMatch(/: month "13" must be 1-12 or jan-dec;/);
    expect(refusal('*/0 * * * *')).toMatch(/: minute "\*\/0" must be 0-59;/);
    expect(refusal('61 0 3 * * *')).toMatch(/: second "61" must be 0-59;/);
    for (const expression of ['*0 3 * * *', '0 3 32 * *', '*/0 * * * *', ', * * * *', 'a b c d e']) {
      expect(refusal(expression)).not.toMatch(/illegal|Syntax error|configuration|parts|CronPattern|contains/i);
    }
  });

  it('fire at local wall-clock times across the spring DST gap and the autumn repeat (Europe/Berlin)', () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that night.
    expect(iso(nextFires('30 2 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 4))).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // the gap: at 03:00 CEST, the first valid time after it, once
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice; it fires once.
    expect(iso(nextFires('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), 3))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
    // An hourly job keeps the 23-hour and 25-hour days honest.
    const spring = nextFires('0 * * * *', 'Europe/Berlin', new Date('2026-03-28T23:00:00Z'), 24);
    expect(spring.map((time) => formatInZone(time, 'Europe/Berlin').slice(15, 20))).not.toContain('02:00');
    expect(spring).toHaveLength(24);
  });

  it('fire at local times in America/New_York across its DST changes', () => {
    expect(iso(nextFires('0 9 * * 1-5', 'America/New_York', new Date('2026-03-06T00:00:00Z'), 2))).toEqual([
      '2026-03-06T14:00:00.000Z', // Friday 09:00 EST
      '2026-03-09T13:00:00.000Z', // Monday 09:00 EDT, after the 2026-03-08 change
    ]);
    expect(iso(nextFires('0 9 * * *', 'America/New_York', new Date('2026-10-31T00:00:00Z'), 2))).toEqual([
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
    ]);
  });

  it('owe nothing before the first fire time after the last handled one', () => {
    const since = new Date('2026-11-23T02:15:00Z');
    expect(dueFire('15 2 * * *', 'UTC', since, new Date('2026-11-24T02:14:59Z'))).toBeUndefined();
    expect(dueFire('15 2 * * *', 'UTC', since, new Date('2026-11-23T12:00:00Z'))).toBeUndefined();
  });

  it('owe the fire once it is due, at the fire time itself', () => {
    const since = new Date('2026-11-23T02:15:00Z');
    expect(dueFire('15 2 * * *', 'UTC', since, new Date('2026-11-24T02:15:00Z'))).toEqual({
      at: new Date('2026-11-24T02:15:00Z'),
      missed: 1,
    });
    expect(dueFire('15 2 * * *', 'UTC', since, new Date('2026-11-24T02:15:30Z'))).toEqual({
      at: new Date('2026-11-24T02:15:00Z'),
      missed: 1,
    });
  });

  it('owe one catch-up fire, the latest, after a scheduler was down for several', () => {
    const due = dueFire('0 * * * *', 'UTC', new Date('2026-11-23T00:00:00Z'), new Date('2026-11-23T05:30:00Z'));
    expect(due).toEqual({ at: new Date('2026-11-23T05:00:00Z'), missed: 5 });
    // Once handled (since = the fire time), nothing more is owed until the next hour.
    expect(dueFire('0 * * * *', 'UTC', due!.at, new Date('2026-11-23T05:59:59Z'))).toBeUndefined();
  });
});

describe('H in cron expressions', () => {
  const hosts = Array.from({ length: 1000 }, (_, index) => `host${index}.example.net`);

  it('resolve to the same expression for a host every time, and to different ones for different hosts', () => {
    const web1 = resolveCron('H 2 * * *', 'web1');
    expect(web1).toMatch(/^\d{1,2} 2 \* \* \*$/);
    expect(resolveCron('  H   2 * * * ', 'web1')).toBe(web1);
    expect(new Set(['web1', 'web2', 'web3', 'db1', 'db2'].map((host) => resolveCron('H H * * *', host))).size).toBeGreaterThan(1);
    expect(resolveCron('15 2 * * *', 'web1')).toBe('15 2 * * *');
    expect(describeCron('15 2 * * *', 'web1')).toBe('15 2 * * *');
    expect(describeCron('H 2 * * *', 'web1')).toBe(`H 2 * * * (→ ${web1})`);
    expect(describeCron('H 2 * * *', 'web1', '"')).toBe(`"H 2 * * *" (→ "${web1}")`);
  });

  it('spread 1,000 hosts over the minutes of the hour roughly evenly', () => {
    const perMinute = new Array<number>(60).fill(0);
    for (const host of hosts) perMinute[Number(resolveCron('H 2 * * *', host).split(' ')[0])]! += 1;
    // 1000 / 60 = 16.7 a minute on average; a uniform hash keeps every minute within a few times that.
    expect(perMinute.filter((count) => count > 0).length).toBeGreaterThanOrEqual(58);
    expect(Math.max(...perMinute)).toBeLessThanOrEqual(35);
    const perHour = new Array<number>(24).fill(0);
    for (const host of hosts) perHour[Number(resolveCron('0 H * * *', host).split(' ')[1])]! += 1;
    expect(perHour.every((count) => count > 0)).toBe(true);
    expect(Math.max(...perHour)).toBeLessThanOrEqual(80);
  });

  it('keep within a range, and step from an offset of the host', () => {
    for (const host of hosts.slice(0, 200)) {
      const minute = Number(resolveCron('H(0-29) 2 * * *', host).split(' ')[0]);
      expect(minute).toBeGreaterThanOrEqual(0);
      expect(minute).toBeLessThanOrEqual(29);
      const minutes = resolveCron('H/15 * * * *', host).split(' ')[0]!.split(',').map(Number);
      expect(minutes).toHaveLength(4);
      expect(minutes.map((value) => value - minutes[0]!)).toEqual([0, 15, 30, 45]);
      const ranged = resolveCron('H(10-39)/10 * * * *', host).split(' ')[0]!.split(',').map(Number);
      expect(ranged).toHaveLength(3);
      expect(ranged[0]).toBeGreaterThanOrEqual(10);
      expect(ranged[2]).toBeLessThanOrEqual(39);
      const day = Number(resolveCron('0 3 H * *', host).split(' ')[2]);
      expect(day).toBeGreaterThanOrEqual(1);
      expect(day).toBeLessThanOrEqual(28);
    }
    expect(resolveCron('H 0 2 * * *', 'web1')).toMatch(/^\d{1,2} 0 2 \* \* \*$/);
  });

  it('are valid as written, kept as written, and fire at the resolved time', () => {
    expect(validateCron('H 2 * * *', 'UTC', 'web1')).toBe('H 2 * * *');
    expect(validateCron('H(0-29)/10 H * * 1-5', 'UTC')).toBe('H(0-29)/10 H * * 1-5');
    const minute = resolveCron('H 2 * * *', 'web1').split(' ')[0]!.padStart(2, '0');
    expect(iso(nextFires(resolveCron('H 2 * * *', 'web1'), 'UTC', new Date('2026-11-23T00:00:00Z'), 1))).toEqual([
      `2026-11-23T02:${minute}:00.000Z`,
    ]);
  });

  it('refuse bad H forms with one line that names the field', () => {
    const refused = (expression: string) => {
      try {
        validateCron(expression, 'UTC', 'web1');
      } catch (error) {
        const message = (error as Error).message;
        expect(message).not.toContain('\n');
        return message;
      }
      throw new Error(`${expression} was accepted`);
    };
    expect(refused('H(30-10) 2 * * *')).toBe(
      'cron expression "H(30-10) 2 * * *" is not allowed: minute field "H(30-10)": the range must run from low to high within 0-59',
    );
    expect(refused('0 H(0-24) * * *')).toMatch(/hour field "H\(0-24\)": the range must run from low to high within 0-23$/);
    expect(refused('H/0 * * * *')).toMatch(/minute field "H\/0": the step must be 1 to 60$/);
    expect(refused('H(0-9)/20 * * * *')).toMatch(/the step must be 1 to 10$/);
    expect(refused('H,30 2 * * *')).toMatch(/minute field "H,30": use H, H\(low-high\), H\/step or H\(low-high\)\/step as the whole field/);
    expect(refused('H5 2 * * *')).toMatch(/minute field "H5": use H/);
    expect(refused('h 2 * * *')).toMatch(/is not allowed: minute "h" must be 0-59; a field is \*, a number/);
    expect(refused('H 2 * *')).toMatch(/it has 4 fields/);
  });
});
