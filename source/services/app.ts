/**
 * The opened pobsync home: where the catalogue, logs and keys live, and the catalogue itself.
 * Every service takes an App; commands and the TUI open one and close it when done.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CATALOGUE_FILE } from '../catalogue/file.js';
import type { Catalogue } from '../catalogue/orm.js';
import { packageRoot } from '../engine/package-root.js';

export interface Paths {
  home: string;
  catalogue: string;
  logs: string;
  keys: string;
}

export interface App {
  readonly paths: Paths;
  readonly catalogue: Catalogue;
  close(): Promise<void>;
}

/**
 * `--home`, else $POBSYNC_HOME, else `var/` of a git checkout (so `npm start` keeps everything
 * in the clone), else /var/lib/pobsync for a system install.
 */
export function resolveHome(flag?: string): string {
  const chosen = flag || process.env['POBSYNC_HOME'];
  if (chosen) return resolve(chosen);
  const root = packageRoot();
  return existsSync(join(root, '.git')) ? join(root, 'var') : '/var/lib/pobsync';
}

export function pathsFor(home: string): Paths {
  return {
    home,
    catalogue: join(home, CATALOGUE_FILE),
    logs: join(home, 'logs'),
    keys: join(home, 'keys'),
  };
}

export async function openApp(home: string): Promise<App> {
  const paths = pathsFor(home);
  // Loaded here, not imported above: a command that needs only the paths never loads the ORM.
  const { openCatalogue } = await import('../catalogue/orm.js');
  const catalogue = await openCatalogue(home);
  return { paths, catalogue, close: () => catalogue.close() };
}
