/**
 * Dumps both ways: a stored dump streamed into its restore command on the host, over ssh, after
 * a safety snapshot holding a fresh dump; and a host backed up by its dumps alone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { peakMemory, sha256 } from '../helpers/files.js';
import {
  expectOk,
  setUpGlobal,
  setUpHost,
  setUpRemoteHost,
  sshdForFile,
  type Workspace,
  waitFor,
  workspace,
  writeTree,
} from '../helpers/pobsync.js';

const sshd = sshdForFile();
let ws: Workspace;
afterEach(() => ws?.cleanup());

const MiB = 1 << 20;

describe('dump restore', () => {
  it('streams a 50 MB dump into the restore command over ssh byte for byte, in bounded memory, after a safety snapshot', async () => {
    ws = workspace();
    writeTree(ws.source, { 'etc/app.conf': 'db=app\n' });
    // The "database" is a file: the dump prints it, the restore command writes what it reads.
    const database = join(ws.dir, 'database.bin');
    const restored = join(ws.dir, 'restored.bin');
    const go = join(ws.dir, 'go');
    const done = join(ws.dir, 'done');
    writeFileSync(database, randomBytes(50 * MiB));
    const stored = await sha256(database);
    // The restore command takes the first MiB, waits, then the rest, and waits again before it
    // ends: the test reads pobsync's memory high-water mark before and after the 50 MB went
    // through, while pobsync is still running (an exited process has no /proc status to read).
    const wait = (file: string) => `until [ -e ${file} ] || [ ! -d ${ws.dir} ]; do sleep 0.05; done`;
    const restore =
      `dd of=${restored} bs=1M count=1 iflag=fullblock status=none; ` +
      `${wait(go)}; cat >> ${restored}; ${wait(done)}; echo restore-done >&2`;
    await setUpRemoteHost(ws, sshd, 'web1', { dumps: [`db.bin=cat ${database}`], dumpRestores: [`db.bin=${restore}`] });
    expect((await ws.json(['host', 'web1'])).dumps).toEqual([{ name: 'db.bin', command: `cat ${database}`, restore }]);
    const { snapshot } = await ws.json(['backup', 'web1']);

    // The database changes after the backup: the safety snapshot must hold this state.
    writeFileSync(database, 'the database as it is now\n');
    const confirmation = await ws.run(['restore', 'web1', snapshot.name, '--dump', 'db.bin', '--to-host']);
    expect(confirmation.code).toBe(2);
    expect(confirmation.stderr).toMatch(/needs confirmation/);

    const child = ws.start(['restore', 'web1', snapshot.name, '--dump', 'db.bin', '--to-host', '--yes', '--json']);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor('the first MiB of the restore', () => existsSync(restored) && statSync(restored).size === MiB);
    const before = peakMemory(child.pid!);
    writeFileSync(go, '');
    await waitFor('the whole restore', () => statSync(restored).size === 50 * MiB);
    const after = peakMemory(child.pid!);
    writeFileSync(done, '');
    expect(await exited).toBe(0);

    expect(after - before).toBeLessThan(20 * MiB);
    expect(await sha256(restored)).toBe(stored);
    const outcome = JSON.parse(child.stdout());
    expect(outcome.run).toMatchObject({ kind: 'restore', status: 'succeeded' });
    expect(outcome.run.restore).toMatchObject({ snapshot: snapshot.name, paths: ['dumps/db.bin'], command: restore });
    expect(readFileSync(outcome.run.logPath, 'utf8')).toContain('restore-done');
    const safety = outcome.safetySnapshot;
    expect(safety).toMatchObject({ kind: 'safety', dumps: [{ name: 'db.bin', bytes: 26 }] });
    expect(readFileSync(join(safety.path, 'dumps/db.bin'), 'utf8')).toBe('the database as it is now\n');
    expect(readdirSync(join(safety.path, 'data'))).toEqual([]);
    expect(outcome.safetyRun.id).toBeLessThan(outcome.run.id);
  });

  it('refuses a dump without a restore command, and one the snapshot does not hold', async () => {
    ws = workspace();
    writeTree(ws.source, { 'a.txt': 'a\n' });
    await setUpRemoteHost(ws, sshd, 'web1', { dumps: ['db.sql=echo dump'] });
    const { snapshot } = await ws.json(['backup', 'web1']);
    const none = await ws.run(['restore', 'web1', snapshot.name, '--dump', 'db.sql', '--to-host', '--yes']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /dump "db\.sql" of web1 has no restore command: set one with "pobsync configure-host web1 --dump-restore db\.sql=/,
    );
    await setUpHost(ws, 'web1', { dumps: ['db.sql=echo dump', 'new.sql=echo new'], dumpRestores: ['new.sql=cat'] });
    const absent = await ws.run(['restore', 'web1', snapshot.name, '--dump', 'new.sql', '--to-host', '--yes']);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/holds no dump "new\.sql"/);
    expect((await ws.json(['runs'])).map((run: { kind: string }) => run.kind)).toEqual(['manual']);
  });
});

describe('a host backed up by its dumps alone', () => {
  it('is backed up without rsync, restored into the database and into a directory, and archived', async () => {
    ws = workspace();
    const database = join(ws.dir, 'app.db');
    const restored = join(ws.dir, 'restored.db');
    writeFileSync(database, 'rows 1 2 3\n');
    await setUpGlobal(ws);
    const refused = await ws.run(['configure-host', 'db1', '--address', 'local']);
    expect(refused.stderr).toMatch(/sources are missing for new host "db1": .* or a database dump with --dump/);
    await setUpHost(ws, 'db1', { address: 'local', dumps: [`app.sql=cat ${database}`], dumpRestores: [`app.sql=cat > ${restored}`] });
    expect((await ws.json(['host', 'db1'])).sources).toEqual([]);
    const { run, snapshot } = await ws.json(['backup', 'db1']);
    expect(run.status).toBe('succeeded');
    expect(snapshot.dumps).toEqual([{ name: 'app.sql', bytes: 11 }]);
    expect(readFileSync(run.logPath, 'utf8')).not.toMatch(/^rsync /m);
    expect((await ws.run(['verify', 'db1'])).code).toBe(0);

    writeFileSync(database, 'rows changed\n');
    await expectOk(ws.run(['restore', 'db1', snapshot.name, '--dump', 'app.sql', '--to-host', '--yes']));
    expect(readFileSync(restored, 'utf8')).toBe('rows 1 2 3\n');

    const target = join(ws.dir, 'copy');
    await expectOk(ws.run(['restore', 'db1', snapshot.name, '--to', target]));
    expect(readFileSync(join(target, 'dumps/app.sql'), 'utf8')).toBe('rows 1 2 3\n');

    const { archive } = await ws.json(['archive', 'create', 'db1']);
    expect(archive).toMatchObject({ optionSet: 'data+dumps', files: 1 });
    expect((await ws.run(['archive', 'create', 'db1', '--data'])).stderr).toMatch(
      /holds no files: an archive with nothing in it is refused/,
    );
  });
});
