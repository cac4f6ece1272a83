import { describe, expect, it } from 'vitest';
import {
  configDumps,
  parseConfigYaml,
  policyFromConfig,
  policyToConfig,
  renderConfigYaml,
  sameConfigValue,
} from '../../source/domain/config-document.js';
import { LEGACY_SCHEDULE_NAME, legacyKeyOf, translateLegacyHost } from '../../source/domain/legacy-config.js';
import { DEFAULT_POLICY } from '../../source/domain/retention.js';

describe('the configuration document', () => {
  it('writes the sections in order, each under its comment, and reads back what it wrote', () => {
    const sections = {
      global: { backup_root: '/srv/backups', time_zone: null, max_concurrent: 2, shutdown_grace: 30, rsync_args: [], retention: null },
      hosts: { web1: { address: 'web1.example.com', port: 22, sources: ['/etc'], dumps: [{ name: 'a.sql', command: "pg_dump 'app'" }] } },
      schedules: { web1: { default: { cron: '*/5 2 * * *', time_zone: null, prune: false, enabled: true } } },
      retention: { web1: { keep_daily: 7, kind: 'scheduled' } },
    };
    const text = renderConfigYaml(sections);
    const order = [
      '\nversion: 1',
      '# Server-wide',
      '\nglobal:',
      '# Hosts',
      '\nhosts:',
      '# Schedules',
      '\nschedules:',
      '# Retention',
      '\nretention:',
    ];
    const positions = order.map((marker) => text.indexOf(marker));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toContain('cron: "*/5 2 * * *"');
    expect(parseConfigYaml(text, 'c.yaml').sections).toEqual(sections);
  });

  it('names the file, the line and the key of what it refuses', () => {
    const refused = (text: string, message: string | RegExp) => expect(() => parseConfigYaml(text, 'c.yaml')).toThrow(message);
    refused(
      'version: 1\nhosts:\n  web1: {}\nhost:\n  web2: {}\n',
      'c.yaml:4: host: unknown key "host": use version, global, hosts, schedules',
    );
    refused('version: 2\n', 'c.yaml:1: version: version "2" is not allowed: this pobsync reads version 1');
    refused('version: 1\nhosts: [web1]\n', 'c.yaml:2: hosts: the hosts section must be a mapping');
    refused('version: 1\nhosts:\n  web1: /etc\n', 'c.yaml:3: hosts.web1: hosts.web1 must be a mapping');
    refused('version: 1\nhosts:\n  web1: {}\n  web1: {}\n', /^c\.yaml:4: not valid YAML: Map keys must be unique/);
    refused('version: 1\nhosts: [\n', /^c\.yaml:\d: not valid YAML/);

    const { locate } = parseConfigYaml('version: 1\nhosts:\n  web1:\n    address: a\n    port: 70000\n', 'c.yaml');
    expect(locate(['hosts', 'web1', 'port'])).toBe('c.yaml:5: hosts.web1.port');
    // A key that is missing points at the entry that lacks it.
    expect(locate(['hosts', 'web1', 'sources'])).toBe('c.yaml:3: hosts.web1.sources');
  });

  it('reads an empty file as no sections, and a section given as null as empty', () => {
    expect(parseConfigYaml('', 'c.yaml').sections).toEqual({});
    expect(parseConfigYaml('version: 1\nhosts:\n', 'c.yaml').sections.hosts).toEqual({});
  });

  it('writes a policy as its rules that are on, and reads it back through validatePolicy', () => {
    const policy = { ...DEFAULT_POLICY, keepWithin: '2d', keepDaily: 7 };
    expect(policyToConfig(policy)).toEqual({ keep_within: '2d', keep_daily: 7, kind: 'scheduled' });
    expect(policyFromConfig(policyToConfig(policy))).toEqual(policy);
    expect(policyFromConfig(null)).toBeNull();
    expect(() => policyFromConfig({ keep_dayly: 7 })).toThrow('unknown key "keep_dayly": use keep_within, keep_last');
    expect(() => policyFromConfig({ keep_daily: -1 })).toThrow('keep-daily "-1" is not allowed');
    expect(() => policyFromConfig({ kind: 'some' })).toThrow('kind "some" is not allowed');
  });

  it('turns dumps into the --dump and --dump-restore flag forms, in order', () => {
    expect(
      configDumps([
        { name: 'b.sql', command: 'pg_dump b', restore: 'psql b' },
        { name: 'a.sql', command: 'x=1 pg_dump a' },
      ]),
    ).toEqual({ dumps: ['b.sql=pg_dump b', 'a.sql=x=1 pg_dump a'], restores: ['b.sql=psql b'] });
    expect(() => configDumps({ 'a.sql': 'pg_dump a' })).toThrow(/dumps must be a list/);
    expect(() => configDumps([{ name: 'a', command: 'x', when: 'now' }])).toThrow('unknown key "when" in a dump');
  });

  it('compares values as configuration: key order aside', () => {
    expect(sameConfigValue({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(sameConfigValue([1, 2], [2, 1])).toBe(false);
    expect(sameConfigValue(null, undefined)).toBe(true);
  });
});

describe('the legacy per-host files', () => {
  const at = (key: string) => `web1.yaml${key ? `: ${key}` : ''}`;

  it('become the host, its default schedule and its policy in the document', () => {
    const host = translateLegacyHost(
      {
        address: 'web1.example.com',
        port: 2222,
        sources: ['/etc'],
        excludes: ['*.tmp'],
        schedule: '15 2 * * *',
        retention: { daily: 7, weekly: 4, within: '2d' },
      },
      'web1',
      at,
    );
    expect(host).toEqual({
      name: 'web1',
      host: { address: 'web1.example.com', port: 2222, sources: ['/etc'], excludes: ['*.tmp'] },
      schedules: { [LEGACY_SCHEDULE_NAME]: { cron: '15 2 * * *' } },
      retention: { keep_daily: 7, keep_weekly: 4, keep_within: '2d' },
    });
    expect(translateLegacyHost({ host: 'db1', address: 'local', sources: ['/srv'] }, 'file', at)).toMatchObject({
      name: 'db1',
      schedules: {},
      retention: null,
    });
  });

  it('refuse unknown keys and name them, and the keys they accept', () => {
    expect(() => translateLegacyHost({ address: 'a', sources: ['/'], rsync_args: ['-z'] }, 'web1', at)).toThrow(
      'web1.yaml: rsync_args: unknown key "rsync_args": use host, address, user, port, sources, excludes, schedule, retention',
    );
    expect(() => translateLegacyHost({ retention: { keep_daily: 7 } }, 'web1', at)).toThrow(
      'web1.yaml: retention: unknown retention key "keep_daily": use within, last, hourly, daily, weekly, monthly, yearly',
    );
    expect(() => translateLegacyHost(['a'], 'web1', at)).toThrow('web1.yaml: a host file must be a mapping');
  });

  it('point messages about translated values back at the legacy key', () => {
    expect(legacyKeyOf(['hosts', 'web1', 'sources'])).toBe('sources');
    expect(legacyKeyOf(['schedules', 'web1', 'default', 'cron'])).toBe('schedule');
    expect(legacyKeyOf(['retention', 'web1'])).toBe('retention');
  });
});
