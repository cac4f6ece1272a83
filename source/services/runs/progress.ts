/**
 * Progress of a run that is not rsync (a verify, an archive): bytes and files done of a total,
 * in the shape rsync's progress has on a run row, so the TUI's progress bar and `pobsync runs`
 * show it the same way. Saved to the row by ProgressSaver, as rsync's is.
 */
import * as runs from '../../catalogue/runs.js';
import type { RsyncProgress } from '../../domain/types.js';
import type { App } from '../app.js';

const SAVE_INTERVAL_MS = 1000;

export interface WorkAmount {
  bytes: number;
  files: number;
}

export class WorkProgress {
  private readonly started = Date.now();
  private readonly saver: ProgressSaver;

  constructor(
    app: App,
    /** null: a job without a run row (an archive of a host this catalogue does not know) */
    runId: number | null,
    private total: WorkAmount,
    private readonly onProgress?: (progress: RsyncProgress) => void,
  ) {
    this.saver = new ProgressSaver(app, runId);
  }

  /** The total grew or shrank (a walk found more than it expected). */
  setTotal(total: WorkAmount): void {
    this.total = total;
  }

  update(done: WorkAmount): void {
    const elapsedSeconds = (Date.now() - this.started) / 1000;
    const fraction = this.total.bytes > 0 ? done.bytes / this.total.bytes : this.total.files > 0 ? done.files / this.total.files : 0;
    const progress: RsyncProgress = {
      bytes: done.bytes,
      percent: Math.min(100, Math.floor(fraction * 100)),
      rate: elapsedSeconds > 0 ? Math.round(done.bytes / elapsedSeconds) : 0,
      elapsedSeconds: Math.round(elapsedSeconds),
      transferredFiles: done.files,
      toCheck: Math.max(0, this.total.files - done.files),
      totalFiles: this.total.files,
      scanComplete: true,
    };
    this.onProgress?.(progress);
    this.saver.offer(progress);
  }

  /** Writes the latest reading, once what is in flight has landed. */
  flush(): Promise<void> {
    return this.saver.flush();
  }
}

/**
 * A run's progress on its row, for the TUI and `pobsync runs` in other processes: about once a
 * second, never two writes in flight (the catalogue is shared), and the latest reading at the
 * end. A write that fails is skipped: progress is a view, the run goes on.
 */
export class ProgressSaver {
  private lastSaved = 0;
  private saving: Promise<void> | undefined;
  private latest: RsyncProgress | undefined;
  private latestSaved = true;
  /** one for the whole run: a save is a plain statement, with nothing for an identity map to hold */
  private em: ReturnType<App['catalogue']['em']> | undefined;

  constructor(
    private readonly app: App,
    /** null: nothing to save to */
    private readonly runId: number | null,
    /** after each save: whether it was written, which says no cancel was requested (runs.saveProgress) */
    private readonly onSaved?: (written: boolean) => void,
  ) {}

  offer(progress: RsyncProgress): void {
    this.latest = progress;
    this.latestSaved = false;
    const now = Date.now();
    if (now - this.lastSaved >= SAVE_INTERVAL_MS && !this.saving) {
      this.lastSaved = now;
      this.saving = this.save(progress).finally(() => {
        this.saving = undefined;
      });
    }
  }

  /** Writes the latest reading, once what is in flight has landed. */
  async flush(): Promise<void> {
    await this.saving;
    if (this.latest && !this.latestSaved) await this.save(this.latest);
  }

  private save(progress: RsyncProgress): Promise<void> {
    this.latestSaved = progress === this.latest;
    if (this.runId === null) return Promise.resolve();
    this.em ??= this.app.catalogue.em();
    return runs
      .saveProgress(this.em, this.runId, progress)
      .then((written) => this.onSaved?.(written))
      .catch(() => undefined);
  }
}
