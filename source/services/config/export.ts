/**
 * `config export`: the catalogue's configuration as one YAML document (see
 * domain/config-document.ts for its shape, services/config/fields.ts for its fields). Keys and
 * other secrets stay in pobsync's home: the document holds only what the catalogue holds.
 */
import { rename, writeFile } from 'node:fs/promises';
import { GlobalConfigSchema, HostSchema, ScheduleSchema } from '../../catalogue/entities/index.js';
import { type ConfigSections, policyToConfig, renderConfigYaml } from '../../domain/config-document.js';
import type { App } from '../app.js';
import { findHost } from '../hosts/hosts.js';
import { loadSettings } from '../settings.js';
import { defaultEntry, GLOBAL_FIELDS, HOST_FIELDS, readEntry, SCHEDULE_FIELDS } from './fields.js';

/**
 * The sections, keys in a stable order (hosts and schedules by name, fields in table order).
 * With `host`, only that host, its schedules and its policy: no global section, so applying the
 * file leaves the global settings alone.
 */
export async function configSections(app: App, options: { host?: string | undefined } = {}): Promise<ConfigSections> {
  const em = app.catalogue.em();
  const hosts =
    options.host === undefined ? await em.find(HostSchema, {}, { orderBy: { name: 'asc' } }) : [await findHost(em, options.host)];
  // loadSettings when there is a row: it knows this server's backup root.
  const config = (await em.findOne(GlobalConfigSchema, { id: 1 })) ? await loadSettings(em) : null;
  const schedules = await em.find(
    ScheduleSchema,
    { host: { $in: hosts.map((host) => host.id) } },
    { populate: ['host'], orderBy: { host: { name: 'asc' }, name: 'asc' } },
  );
  const sections: ConfigSections = {
    global: options.host === undefined ? (config ? readEntry(GLOBAL_FIELDS, config) : defaultEntry(GLOBAL_FIELDS)) : undefined,
    hosts: {},
    schedules: {},
    retention: {},
  };
  for (const host of hosts) {
    sections.hosts![host.name] = readEntry(HOST_FIELDS, host);
    if (host.retention) sections.retention![host.name] = policyToConfig(host.retention);
  }
  for (const schedule of schedules) {
    const name = schedule.host.name;
    sections.schedules![name] = { ...sections.schedules![name], [schedule.name]: readEntry(SCHEDULE_FIELDS, schedule) };
  }
  return sections;
}

export async function exportConfig(app: App, options: { host?: string | undefined } = {}): Promise<string> {
  return renderConfigYaml(await configSections(app, options));
}

/** Writes the document to `path` (owner-only, replaced in one rename) and returns it. */
export async function exportConfigFile(app: App, path: string, options: { host?: string | undefined } = {}): Promise<string> {
  const text = await exportConfig(app, options);
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, path);
  return text;
}
