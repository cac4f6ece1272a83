/**
 * `retention <host> --json` written straight from the plan's columns: the same text as
 * JSON.stringify of the plan's view (test/unit/retention-json.test.ts holds the two together),
 * without an object or a string per snapshot. A plan of 100,000 snapshots is 27 MB of JSON, and
 * making an entry object, then its text, then its bytes, was most of the command's time.
 *
 * What entries share is encoded once and copied: the fields from kind to startedAt of each kind
 * and status, and the end of an entry per list of reasons (a long history's removals share a
 * few lists). Names and times are written byte by byte; a name with anything JSON escapes (or
 * outside ASCII) goes through JSON.stringify.
 */
import { type PlannedRetention, viewOf } from '../services/snapshots/retention-plan.js';
import { ChunkWriter, printJson } from './output.js';

const DAY = 86_400_000;
/** The instants whose ISO text has a four-digit year: 0000-01-01 up to 9999-12-31. */
const FIRST_TIME = -62_167_219_200_000;
const END_TIME = 253_402_300_800_000;

const encode = (text: string) => Buffer.from(text, 'utf8');
const FIRST_ENTRY = encode('{"name":');
const NEXT_ENTRY = encode(',{"name":');

/** The plan as printJson prints its view: indented on a terminal; compact, and streamed, for a program. */
export async function printRetentionJson(planned: PlannedRetention): Promise<void> {
  if (process.stdout.isTTY) return printJson(viewOf(planned));
  const out = new ChunkWriter(process.stdout);
  await writeRetentionJson(planned, out);
  out.text('\n');
  await out.end();
}

export async function writeRetentionJson({ summary, snapshots, plan }: PlannedRetention, out: ChunkWriter): Promise<void> {
  const { host, policy, policySource, savedSource, timeZone, now, kept, removed, bytesFreed } = summary;
  const head = JSON.stringify({ host, policy, policySource, savedSource, timeZone, now });
  out.text(`${head.slice(0, -1)},"entries":[`);
  const { names, kinds, statuses, times, protect } = snapshots;
  const fields = new KindFields();
  const removedEnds = [new Map<readonly string[], Buffer>(), new Map<readonly string[], Buffer>()];
  const dates = new DateWriter();
  const { order, reasons } = plan;
  for (let position = 0; position < order.length; position += 1) {
    const index = order[position]!;
    out.bytes(position === 0 ? FIRST_ENTRY : NEXT_ENTRY);
    if ('text' in names) writeString(out, names.text, names.starts[index]!, names.starts[index + 1]!);
    else writeString(out, names[index]!, 0, names[index]!.length);
    out.bytes(fields.of(kinds[index]!, statuses[index]!));
    dates.write(out, times[index]!);
    const isProtected = protect[index] === 1 ? 1 : 0;
    const why = reasons[index];
    if (why) {
      out.text(`","protected":${isProtected === 1},"action":"keep","reasons":${JSON.stringify(why)}}`);
    } else {
      const because = plan.removedBecause(index);
      let end = removedEnds[isProtected]!.get(because);
      if (!end) {
        end = encode(`","protected":${isProtected === 1},"action":"remove","reasons":[],"removedBecause":${JSON.stringify(because)}}`);
        removedEnds[isProtected]!.set(because, end);
      }
      out.bytes(end);
    }
    if (out.full) await out.pause();
  }
  out.text(`],${JSON.stringify({ kept, removed, bytesFreed }).slice(1)}`);
}

/** `,"kind":…,"status":…,"startedAt":"` per kind and status, made once each. */
class KindFields {
  private kind: string | undefined;
  private status: string | undefined;
  private last: Buffer = Buffer.alloc(0);
  private readonly made = new Map<string, Buffer>();

  of(kind: string, status: string): Buffer {
    if (kind === this.kind && status === this.status) return this.last;
    const text = `,"kind":${JSON.stringify(kind)},"status":${JSON.stringify(status)},"startedAt":"`;
    let fields = this.made.get(text);
    if (!fields) {
      fields = encode(text);
      this.made.set(text, fields);
    }
    this.kind = kind;
    this.status = status;
    this.last = fields;
    return fields;
  }
}

/**
 * `text` from `start` to `end` as a JSON string: ASCII that needs no escape byte by byte, anything
 * else as JSON.stringify writes it.
 */
function writeString(out: ChunkWriter, text: string, start: number, end: number): void {
  out.reserve(end - start + 2);
  const buffer = out.buffer;
  let at = out.at;
  buffer[at++] = 34;
  for (let index = start; index < end; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === 34 || code === 92) {
      out.text(JSON.stringify(text.slice(start, end)));
      return;
    }
    buffer[at++] = code;
  }
  buffer[at++] = 34;
  out.at = at;
}

/**
 * A time as Date.toISOString writes it, without a Date or a string each: the day's part
 * (`2026-11-23T`) made once per day, the time of day in digits.
 */
class DateWriter {
  private day = Number.NaN;
  private dayText: Buffer = Buffer.alloc(0);

  write(out: ChunkWriter, time: number): void {
    if (!(time >= FIRST_TIME && time < END_TIME) || !Number.isInteger(time)) {
      out.text(new Date(time).toISOString());
      return;
    }
    const day = Math.floor(time / DAY);
    if (day !== this.day) {
      this.day = day;
      this.dayText = encode(new Date(day * DAY).toISOString().slice(0, 11));
    }
    out.bytes(this.dayText);
    out.reserve(13);
    const buffer = out.buffer;
    const at = out.at;
    // Within a day, in small integers: the remainders of doubles are a call into the C library each.
    let rest = (time - day * DAY) | 0;
    const milliseconds = rest % 1000;
    rest = (rest - milliseconds) / 1000;
    const seconds = rest % 60;
    rest = (rest - seconds) / 60;
    const minutes = rest % 60;
    const hours = (rest - minutes) / 60;
    buffer[at] = 48 + ((hours / 10) | 0);
    buffer[at + 1] = 48 + (hours % 10);
    buffer[at + 2] = 58;
    buffer[at + 3] = 48 + ((minutes / 10) | 0);
    buffer[at + 4] = 48 + (minutes % 10);
    buffer[at + 5] = 58;
    buffer[at + 6] = 48 + ((seconds / 10) | 0);
    buffer[at + 7] = 48 + (seconds % 10);
    buffer[at + 8] = 46;
    buffer[at + 9] = 48 + ((milliseconds / 100) | 0);
    buffer[at + 10] = 48 + (((milliseconds / 10) | 0) % 10);
    buffer[at + 11] = 48 + (milliseconds % 10);
    buffer[at + 12] = 90;
    out.at = at + 13;
  }
}
