/**
 * The tail of one run log, kept outside React: a bounded ring of the latest lines and the last
 * progress2 reading. rsync can print thousands of lines a second; the UI reads a snapshot of
 * this at most a few times a second and renders only the lines that fit.
 */
import { LineSplitter, parseProgressLine } from '../domain/rsync-output.js';
import type { RsyncProgress } from '../domain/types.js';

export class LogBuffer {
  private readonly lines: string[];
  private start = 0;
  private count = 0;
  private readonly splitter = new LineSplitter();
  /** total lines ever pushed: lets a viewer keep its place while the ring moves */
  total = 0;
  progress: RsyncProgress | undefined;
  /** bumped on every change, so a UI can tell whether to re-render */
  version = 0;
  /** the log's first lines are not here: the tail began mid-file, or the ring has dropped them */
  startCut = false;

  constructor(readonly capacity = 2000) {
    this.lines = new Array<string>(capacity);
  }

  push(text: string): void {
    const lines = this.splitter.push(text);
    if (lines.length === 0) return;
    for (const line of lines) {
      const first = line.charCodeAt(0);
      const reading = first === 32 || (first >= 48 && first <= 57) ? parseProgressLine(line) : undefined;
      if (reading) {
        this.progress = reading;
        continue;
      }
      this.lines[(this.start + this.count) % this.capacity] = line;
      if (this.count < this.capacity) this.count += 1;
      else {
        this.start = (this.start + 1) % this.capacity;
        this.startCut = true;
      }
      this.total += 1;
    }
    this.version += 1;
  }

  get size(): number {
    return this.count;
  }

  /** Every line it holds, oldest first: what a frozen view keeps while the ring moves on. */
  copy(): string[] {
    return this.slice(0, this.count);
  }

  /** `length` lines ending `fromEnd` lines before the newest. */
  slice(fromEnd: number, length: number): string[] {
    const end = Math.max(0, this.count - Math.max(0, fromEnd));
    const begin = Math.max(0, end - length);
    const result: string[] = [];
    for (let index = begin; index < end; index += 1) result.push(this.lines[(this.start + index) % this.capacity]!);
    return result;
  }
}
