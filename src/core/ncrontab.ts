// NCRONTAB, the six-field schedule of Azure Functions timer triggers: `{second} {minute} {hour} {day} {month}
// {day-of-week}`, evaluated in UTC (the Functions default; WEBSITE_TIME_ZONE is not applied locally). Like the
// NCrontab library the Functions host uses, a day must match both the day-of-month and the day-of-week fields.

export interface NcrontabSchedule {
  readonly expression: string;
  /** Allowed values per field, ascending: second, minute, hour, day (1-31), month (1-12), day-of-week (0-6). */
  readonly fields: readonly (readonly number[])[];
  /** Which fields were written as a bare `*` (used by the preview). */
  readonly stars: readonly boolean[];
  /** The step of a field written `*\/n`, else undefined (used by the preview). */
  readonly steps: readonly (number | undefined)[];
}

export interface NcrontabError {
  message: string;
  /** Offset and length in the expression of the part that is wrong (0 and its length for the whole). */
  offset: number;
  length: number;
}

export type NcrontabResult = { ok: true; schedule: NcrontabSchedule } | { ok: false; error: NcrontabError };

interface FieldSpec { name: string; min: number; max: number; names?: string[] }

const FIELDS: FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const EXAMPLE = "for example '0 */5 * * * *' (every 5 minutes)";

class FieldError extends Error {
  constructor(message: string, readonly offset: number, readonly length: number) { super(message); }
}

/** Parses a six-field NCRONTAB expression; an error names the field and the offset of the wrong part. */
export function parseNcrontab(expression: string): NcrontabResult {
  const fail = (message: string, offset = 0, length = expression.length): NcrontabResult => ({ ok: false, error: { message, offset, length } });
  if (typeof expression !== 'string' || expression.trim() === '') return fail(`The schedule is empty; write six fields, ${EXAMPLE}.`);
  if (/^\d+(\.\d+)?:\d\d:\d\d$/.test(expression.trim())) {
    return fail(`"${expression}" is a TimeSpan schedule, which Azure Functions accepts only on App Service plans; write six NCRONTAB fields, ${EXAMPLE}.`);
  }
  const parts: { text: string; offset: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(expression); m; m = re.exec(expression)) parts.push({ text: m[0], offset: m.index });
  if (parts.length !== 6) {
    const hint = parts.length === 5 ? ' Azure Functions needs the seconds field first: add "0 " in front for a five-field cron.' : '';
    return fail(`"${expression}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; NCRONTAB needs six: second minute hour day month day-of-week, ${EXAMPLE}.${hint}`);
  }
  const fields: number[][] = [];
  const stars: boolean[] = [];
  const steps: (number | undefined)[] = [];
  try {
    parts.forEach((p, i) => {
      const parsed = parseField(p.text, FIELDS[i], p.offset);
      fields.push(parsed.values);
      stars.push(p.text === '*');
      steps.push(parsed.starStep);
    });
  } catch (e) {
    if (e instanceof FieldError) return fail(e.message, e.offset, e.length);
    throw e;
  }
  const schedule: NcrontabSchedule = { expression, fields, stars, steps };
  // A schedule such as "0 0 0 30 2 *" parses but never fires; within eight years every valid date comes round.
  if (!nextOccurrence(schedule, new Date(Date.UTC(2000, 0, 1)))) {
    return fail(`"${expression}" never fires: no date matches its day, month and day-of-week fields together.`);
  }
  return { ok: true, schedule };
}

function parseField(text: string, spec: FieldSpec, base: number): { values: number[]; starStep?: number } {
  const set = new Set<number>();
  let starStep: number | undefined;
  let pos = 0;
  for (const item of text.split(',')) {
    const at = base + pos;
    pos += item.length + 1;
    const wrong = (why: string) => new FieldError(`The ${spec.name} field "${text}" is not valid: ${why}`, at, Math.max(item.length, 1));
    if (item === '') throw wrong('it has an empty list item.');
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) throw wrong(`"${item}" has more than one "/".`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw wrong(`the step in "${item}" must be a whole number above 0.`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = spec.min;
      hi = spec.max;
      if (stepText !== undefined && text === item) starStep = step;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2 || bounds.some((b) => b === '')) throw wrong(`"${range}" is not a number, a range a-b or *.`);
      lo = value(bounds[0], spec, wrong);
      hi = bounds.length === 2 ? value(bounds[1], spec, wrong) : stepText !== undefined ? spec.max : lo;
      if (hi < lo) throw wrong(`the range "${range}" runs backwards.`);
    }
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { values: [...set].sort((a, b) => a - b), starStep };
}

function value(text: string, spec: FieldSpec, wrong: (why: string) => FieldError): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const n = named >= 0 ? named + spec.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n)) {
    throw wrong(`"${text}" is not a number${spec.names ? ` or a name (${spec.names.slice(0, 3).join(', ')}, …)` : ''}.`);
  }
  if (n < spec.min || n > spec.max) throw wrong(`${n} is outside ${spec.min}-${spec.max}.`);
  return n;
}

/** The first time strictly after `after` that the schedule fires, or undefined if none within eight years. */
export function nextOccurrence(s: NcrontabSchedule, after: Date): Date | undefined {
  const [secs, mins, hours, days, months, dows] = s.fields;
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 8 * 366 * 86_400_000;
  // Each step moves to the next candidate of the largest field that does not match and resets the smaller ones.
  while (t.getTime() <= limit) {
    if (!months.includes(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!days.includes(t.getUTCDate()) || !dows.includes(t.getUTCDay())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    const h = firstAtLeast(hours, t.getUTCHours());
    if (h === undefined) { t.setUTCDate(t.getUTCDate() + 1); t.setUTCHours(0, 0, 0, 0); continue; }
    if (h !== t.getUTCHours()) { t.setUTCHours(h, 0, 0, 0); continue; }
    const m = firstAtLeast(mins, t.getUTCMinutes());
    if (m === undefined) { t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0); continue; }
    if (m !== t.getUTCMinutes()) { t.setUTCMinutes(m, 0, 0); continue; }
    const sec = firstAtLeast(secs, t.getUTCSeconds());
    if (sec === undefined) { t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0); continue; }
    t.setUTCSeconds(sec, 0);
    return t;
  }
  return undefined;
}

function firstAtLeast(values: readonly number[], v: number): number | undefined {
  for (const x of values) if (x >= v) return x;
  return undefined;
}

/** The next `count` occurrences after `after`. */
export function nextOccurrences(s: NcrontabSchedule, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let t: Date | undefined = after;
  while (out.length < count && (t = nextOccurrence(s, t))) out.push(t);
  return out;
}

/**
 * The shortest gap between two consecutive occurrences over the next `sample` ones (the function's run budget
 * must fit inside it). Infinity for a schedule that fires once in the sample.
 */
export function shortestInterval(s: NcrontabSchedule, from = new Date(), sample = 500): number {
  const times = nextOccurrences(s, from, sample);
  let min = Infinity;
  for (let i = 1; i < times.length; i++) min = Math.min(min, times[i].getTime() - times[i - 1].getTime());
  return min;
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A readable preview such as "every 30 seconds", "every 5 minutes" or "every day at 09:30 UTC". */
export function describeNcrontab(s: NcrontabSchedule): string {
  const [sec, min, hour, day, month, dow] = s.fields;
  const star = s.stars;
  const single = (i: number) => s.fields[i].length === 1;
  const every = (n: number | undefined, unit: string) => (n === undefined || n === 1 ? `every ${unit}` : `every ${n} ${unit}s`);
  const dateStar = star[3] && star[4] && star[5];
  const pad = (n: number) => String(n).padStart(2, '0');
  let text: string | undefined;

  if (dateStar) {
    if (star[1] && star[2] && (star[0] || s.steps[0] !== undefined)) text = every(s.steps[0], 'second');
    else if (single(0) && star[2] && (star[1] || s.steps[1] !== undefined)) text = every(s.steps[1], 'minute') + (sec[0] ? ` at second ${sec[0]}` : '');
    else if (single(0) && single(1) && (star[2] || s.steps[2] !== undefined)) text = every(s.steps[2], 'hour') + (min[0] || sec[0] ? ` at minute ${min[0]}${sec[0] ? `:${pad(sec[0])}` : ''}` : '');
  }
  if (text === undefined && single(0) && single(1) && hour.length <= 4 && !star[2]) {
    const times = hour.map((h) => `${pad(h)}:${pad(min[0])}${sec[0] ? `:${pad(sec[0])}` : ''}`);
    const at = `at ${list(times)} UTC`;
    if (dateStar) text = `every day ${at}`;
    else if (star[3] && star[4]) text = `${at} on ${dayList(dow)}`;
    else if (star[4] && star[5] && day.length <= 4) text = `${at} on day ${list(day.map(String))} of every month`;
    else if (star[5] && day.length <= 4 && month.length <= 4) text = `${at} on ${list(month.map((m) => `${MONTH_NAMES[m - 1]} ${list(day.map(String))}`))}`;
  }
  return text ?? genericDescription(s);
}

function dayList(dows: readonly number[]): string {
  const names = dows.map((d) => DAY_NAMES[d]);
  const contiguous = dows.length > 2 && dows.every((d, i) => i === 0 || d === dows[i - 1] + 1);
  return contiguous ? `${names[0]} to ${names[names.length - 1]}` : list(names);
}

function list(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function genericDescription(s: NcrontabSchedule): string {
  const names = ['second', 'minute', 'hour', 'day', 'month', 'day-of-week'];
  const parts = s.fields.map((values, i) => {
    if (s.stars[i]) return undefined;
    if (s.steps[i] !== undefined) return `every ${s.steps[i]} ${names[i]}s`;
    const shown = i === 4 ? values.map((m) => MONTH_NAMES[m - 1]) : i === 5 ? values.map((d) => DAY_NAMES[d]) : values.map(String);
    return `${names[i]} ${list(shown.length > 6 ? [...shown.slice(0, 5), '…'] : shown)}`;
  }).filter((p): p is string => p !== undefined);
  return `at ${parts.join(', ')} (UTC)`;
}
