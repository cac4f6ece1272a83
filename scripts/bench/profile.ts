/**
 * Reading a CPU profile of pobsync (node --cpu-prof): where the time went, by function and by
 * place (a pobsync source file, an npm package, node's own module loading, the garbage collector).
 * Frames in the bundle are mapped back to their sources through dist/'s source maps.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const maps = new Map<string, SourceMap | undefined>();

function sourceMapOf(url: string): SourceMap | undefined {
  if (!maps.has(url)) {
    let map: SourceMap | undefined;
    try {
      const path = fileURLToPath(url);
      if (existsSync(`${path}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

/** The original file of a frame: `source/engine/rsync.ts`, `node_modules/knex/lib/client.js`, `node:fs`. */
function originalFile(frame: ProfileNode['callFrame']): string {
  if (!frame.url) return frame.functionName;
  if (!frame.url.startsWith('file:')) return frame.url;
  const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  if (!entry?.originalSource) return `${fileURLToPath(frame.url).replace(/^.*\/dist\//, 'dist/')}:${frame.lineNumber + 1}`;
  const file = entry.originalSource;
  const line = `:${(entry.originalLine ?? 0) + 1}`;
  const modules = file.lastIndexOf('node_modules/');
  if (modules >= 0) return file.slice(modules) + line;
  const source = file.lastIndexOf('source/');
  return (source >= 0 ? file.slice(source) : file) + line;
}

/** Where a file belongs: an npm package, pobsync's layer, or a part of node. */
function place(location: string): string {
  const file = location.replace(/:\d+$/, '');
  if (file.startsWith('dist/')) return 'the bundle (esbuild runtime)';
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return `npm ${pkg[1]}`;
  if (file.startsWith('source/')) return file;
  if (/^node:internal\/modules|^node:internal\/bootstrap/.test(file)) return 'node: loading modules';
  if (file.startsWith('node:')) return `${file.split('/')[0]!.replace(/^node:internal$/, 'node: internals')}`;
  return file;
}

export function summarizeProfile(path: string, top = 15): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfTime) {
    const frame = nodes.get(id)!.callFrame;
    // Waiting (for rsync, for the disk) is not CPU: left out of every figure but its own.
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    total += micros;
    const file = originalFile(frame);
    const name = frame.url ? `${frame.functionName || '(anonymous)'}  ${file}` : frame.functionName;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byPlace.set(place(file), (byPlace.get(place(file)) ?? 0) + micros);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, micros]) =>
          `      ${(micros / 1000).toFixed(0).padStart(6)} ms  ${((micros / total) * 100).toFixed(0).padStart(3)}%  ${name}`,
      );
  return [
    `    ${(total / 1000).toFixed(0)} ms busy (and ${(idle / 1000).toFixed(0)} ms idle); by place:`,
    ...rows(byPlace),
    '    by function (self time):',
    ...rows(byFunction),
  ].join('\n');
}

/** The profile node wrote into `dir` (the only one there). */
export function profileIn(dir: string): string {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile in ${dir}`);
  return join(dir, file);
}
