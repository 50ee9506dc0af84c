// How nbtrack writes durations, numbers, times and counts, in the sidebar (src/) and in the
// inline widgets (widgets/src/) alike: one module both builds compile in, so the same run reads
// the same in both places. Pure functions of their arguments (no DOM), unit-tested in test/.

/** A number from the JSON API: JSON has no NaN or infinity, so those arrive as strings. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

const pad2 = (value: number): string => String(value).padStart(2, '0');

/**
 * A duration in seconds as a person reads it: "120 ms", "12.3 s", "1 min 06 s", "2 h 05 min".
 *
 * The value is rounded to the unit shown before the unit is chosen, half up, so 65.5 s is
 * "1 min 06 s", 59.96 s is "1 min 00 s" (never "60.0 s") and 3599.7 s is "1 h 00 min".
 * Missing or non-finite input gives "".
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '';
  }
  if (seconds < 0) {
    return `-${formatDuration(-seconds)}`;
  }
  const ms = Math.round(seconds * 1000);
  if (ms < 1000) {
    return `${ms} ms`;
  }
  const tenths = Math.round(seconds * 10);
  if (tenths < 600) {
    return `${(tenths / 10).toFixed(1)} s`;
  }
  const whole = Math.round(seconds);
  if (whole < 3600) {
    return `${Math.floor(whole / 60)} min ${pad2(whole % 60)} s`;
  }
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${pad2(minutes % 60)} min`;
}

/**
 * A metric or numeric param: integers as they are, other values to 4 significant digits
 * (exponent form below 1e-3 and from 1e6), NaN and infinities by name.
 */
export function formatNumber(value: WireNumber | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (!Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return String(value);
  }
  const size = Math.abs(value);
  if (size !== 0 && (size < 1e-3 || size >= 1e6)) {
    return value.toExponential(3).replace(/\.?0+e/, 'e');
  }
  // Number() drops the trailing zeros toPrecision keeps: 0.5000 -> "0.5", 1000 stays "1000"
  return String(Number(value.toPrecision(4)));
}

/** An epoch-millisecond time in local time, "2026-12-06 21:14:33" (sorts as it reads). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return '';
  }
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return `${date} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

const UNITS: [number, Intl.RelativeTimeFormatUnit][] = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [7, 'day'],
  [4.35, 'week'],
  [12, 'month'],
  [Number.POSITIVE_INFINITY, 'year'],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "just now", "3 minutes ago", "yesterday" for an epoch-millisecond time. */
export function formatRelativeTime(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return '';
  }
  let amount = (ms - now) / 1000;
  if (Math.abs(amount) < 5) {
    return 'just now';
  }
  for (const [size, unit] of UNITS) {
    if (Math.abs(amount) < size) {
      return relative.format(Math.round(amount), unit);
    }
    amount /= size;
  }
  return '';
}

/** A size in bytes: "512 B", "12.5 KB", "3.0 GB". */
export function formatBytes(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/**
 * A count, digits grouped ("2,001"), with its noun when given: "1 run", "2,001 runs".
 * English grouping, like the rest of the interface's words.
 */
export function formatCount(count: number, noun = ''): string {
  const digits = count.toLocaleString('en');
  return noun ? `${digits} ${noun}${count === 1 ? '' : 's'}` : digits;
}

/** A filter that does not parse, with a caret under the column where it breaks (1-based). */
export function formatFilterError(message: string, text: string, column: number | null | undefined): string {
  if (!column || column < 1) {
    return message;
  }
  return `${message} (column ${column})\n${text}\n${' '.repeat(column - 1)}^`;
}
