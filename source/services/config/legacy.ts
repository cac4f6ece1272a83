/**
 * `config import-legacy`: the per-host YAML files of the legacy layout, translated into one
 * document (domain/legacy-config.ts) and applied as `config apply` applies a file, without
 * --prune: the same validators, the same diff, one transaction.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigEntry, ConfigPath, ConfigSections, ConfigSource } from '../../domain/config-document.js';
import { UserError } from '../../domain/errors.js';
import { legacyKeyOf, translateLegacyHost } from '../../domain/legacy-config.js';
import type { App } from '../app.js';
import { applyConfig, type ConfigDiff } from './apply.js';

/** Where the legacy layout keeps its host files, under its prefix. */
export const LEGACY_HOSTS_DIR = join('config', 'hosts');

export interface LegacyImport {
  /** the files read, in order */
  files: string[];
  diff: ConfigDiff;
  applied: boolean;
}

export async function importLegacy(app: App, prefix: string, options: { dryRun?: boolean | undefined } = {}): Promise<LegacyImport> {
  const source = await readLegacyLayout(prefix);
  const outcome = await applyConfig(app, source, { dryRun: options.dryRun });
  return { files: source.files, diff: outcome.diff, applied: outcome.applied };
}

/** Reads every host file of the layout into one document whose messages name the file and line. */
export async function readLegacyLayout(prefix: string): Promise<ConfigSource & { files: string[] }> {
  const root = resolve(prefix);
  const dir = existsSync(join(root, LEGACY_HOSTS_DIR)) ? join(root, LEGACY_HOSTS_DIR) : root;
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch (error) {
    throw new UserError(`cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (names.length === 0) throw new UserError(`no host files (*.yaml, *.yml) in ${dir}`);
  const sections: Required<Pick<ConfigSections, 'hosts' | 'schedules' | 'retention'>> = { hosts: {}, schedules: {}, retention: {} };
  const places = new Map<string, (key: string) => string>();
  const files: string[] = [];
  for (const name of names) {
    const file = join(dir, name);
    files.push(file);
    const lines = new LineCounter();
    const document = parseDocument(await readFile(file, 'utf8'), { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const syntax = document.errors[0];
    if (syntax) throw new UserError(`${file}:${lines.linePos(syntax.pos[0]).line}: not valid YAML: ${syntax.message.split('\n')[0]}`);
    const at = (key: string): string => {
      const node = key === '' ? document.contents : document.get(key, true);
      const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
      return `${file}:${offset === undefined ? 1 : lines.linePos(offset).line}${key ? `: ${key}` : ''}`;
    };
    const host = translateLegacyHost(document.toJS(), basename(name).replace(/\.ya?ml$/, ''), at);
    if (places.has(host.name)) throw new UserError(`${at('host')}: host ${host.name} is also in ${places.get(host.name)!('')}`);
    places.set(host.name, at);
    sections.hosts[host.name] = host.host;
    sections.schedules[host.name] = host.schedules;
    sections.retention[host.name] = host.retention as ConfigEntry | null;
  }
  const locate = (path: ConfigPath): string => {
    const at = path[1] === undefined ? undefined : places.get(path[1]);
    return at ? at(legacyKeyOf(path)) : path.join('.');
  };
  return { sections, locate, files };
}
