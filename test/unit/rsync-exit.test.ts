/**
 * What an rsync exit means for a run: every exit code rsync documents, ssh's 255, the sender and
 * receiver sides of exit 23, and stops on purpose.
 */
import { describe, expect, it } from 'vitest';
import {
  explainSshFailure,
  failureMessage,
  isReceiverError,
  type ProcessEnd,
  RSYNC_EXIT_MEANINGS,
  runStatus,
} from '../../source/domain/rsync-exit.js';

const end = (code: number | null, errors: string[] = [], extra: Partial<ProcessEnd> = {}): ProcessEnd => ({
  code,
  signal: null,
  errors,
  ...extra,
});

describe('rsync exit codes', () => {
  const documented = [0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 25, 30, 35, 255];

  it('has a meaning for every code rsync documents, and for ssh', () => {
    for (const code of documented) expect(RSYNC_EXIT_MEANINGS[code], String(code)).toBeTruthy();
  });

  it('succeeds on 0, is partial on 23 and 24, fails on every other code', () => {
    for (const code of documented) {
      const expected = code === 0 ? 'succeeded' : code === 23 || code === 24 ? 'partial' : 'failed';
      expect(runStatus(end(code)), `exit ${code}`).toBe(expected);
    }
    expect(runStatus(end(null, [], { signal: 'SIGKILL' }))).toBe('failed');
  });

  it('names the code and its meaning, with rsync last words that are not its summary line', () => {
    const message = failureMessage(
      end(12, [
        'rsync: connection unexpectedly closed (0 bytes received so far) [sender]',
        'rsync error: error in rsync protocol data stream',
      ]),
      'web1',
    );
    expect(message).toBe(
      'rsync exited with code 12 (error in the rsync protocol data stream): ' +
        'rsync: connection unexpectedly closed (0 bytes received so far) [sender]',
    );
    expect(failureMessage(end(30), 'web1')).toBe('rsync exited with code 30 (timeout in data send/receive)');
    expect(failureMessage(end(99), 'web1')).toBe('rsync exited with code 99 (an unknown error)');
    expect(failureMessage(end(null, [], { signal: 'SIGKILL' }), 'web1')).toBe('rsync was killed by SIGKILL');
  });

  it('is cancelled or interrupted when pobsync stopped it, whatever the code', () => {
    expect(runStatus(end(20, [], { stopped: 'cancelled' }))).toBe('cancelled');
    expect(runStatus(end(null, [], { signal: 'SIGTERM', stopped: 'interrupted' }))).toBe('interrupted');
    expect(failureMessage(end(20, [], { stopped: 'cancelled' }), 'web1')).toBe('stopped (cancelled)');
  });

  it('keeps a sender read error partial, but fails exit 23 from a full or failing disk on the receiving side', () => {
    const unreadable = 'rsync: [sender] send_files failed to open "/srv/secret": Permission denied (13)';
    expect(runStatus(end(23, [unreadable, 'rsync error: some files/attrs were not transferred (code 23)']))).toBe('partial');

    const full = 'rsync: [receiver] mkstemp "/b/h/.incomplete/x/data/f.abc" failed: No space left on device (28)';
    expect(isReceiverError(full)).toBe(true);
    expect(runStatus(end(23, [full]))).toBe('failed');
    expect(failureMessage(end(23, [full]), 'web1')).toBe(
      `the backup server ran out of space (or inodes): ${full}; free some there, then run it again`,
    );

    const quota = 'rsync: [generator] recv_generator: mkdir "/b/h/d" failed: Disk quota exceeded (122)';
    expect(runStatus(end(23, [quota]))).toBe('failed');
    expect(failureMessage(end(23, [quota]), 'web1', 'the host web1')).toMatch(/^the host web1 ran out of its disk quota/);

    const readOnly = 'rsync: [receiver] rename "/b/h/x" failed: Read-only file system (30)';
    expect(runStatus(end(23, [readOnly]))).toBe('failed');
    expect(failureMessage(end(23, [readOnly]), 'web1')).toMatch(/^the backup server could not write: .*Read-only/);

    // An old rsync without role tags still gives itself away by errno.
    expect(runStatus(end(23, ['rsync: write failed on "/b/h/f": No space left on device (28)']))).toBe('failed');
    expect(runStatus(end(24, ['file has vanished: "/srv/tmp/x"']))).toBe('partial');
  });
});

describe('ssh failures', () => {
  it('turns them into what to do', () => {
    expect(explainSshFailure('@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@', 'web1')).toMatch(
      /CHANGED.*pobsync trust-host web1/,
    );
    expect(
      explainSshFailure(
        'No ED25519 host key is known for web1 and you have requested strict checking.\nHost key verification failed.',
        'web1',
      ),
    ).toMatch(/not trusted yet: run "pobsync trust-host web1"/);
    expect(explainSshFailure('root@web1: Permission denied (publickey).', 'web1')).toMatch(/refused pobsync's key/);
    expect(explainSshFailure('ssh: connect to host 10.0.0.9 port 22: Connection refused', 'web1')).toBe(
      'cannot reach web1: Connection refused',
    );
    expect(explainSshFailure('rsync: link_stat "/nope" failed', 'web1')).toBeUndefined();
  });

  it('explains exit 255 by what ssh said', () => {
    const changed = end(255, ['@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@', 'rsync: connection unexpectedly closed']);
    expect(runStatus(changed)).toBe('failed');
    expect(failureMessage(changed, 'web1')).toMatch(/^the host key of web1 has CHANGED/);
    expect(failureMessage(end(255, ['kex_exchange_identification: read: Connection reset by peer']), 'web1')).toBe(
      'rsync exited with code 255 (ssh failed): kex_exchange_identification: read: Connection reset by peer',
    );
  });
});
