// Small DOM and formatting helpers shared by the panel, the run detail and the comparison.
import { WireNumber } from './api';

/** Create an element with classes, text and attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { cls?: string; text?: string; attrs?: Record<string, string>; title?: string } = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.cls) {
    node.className = options.cls;
  }
  if (options.text !== undefined) {
    node.textContent = options.text;
  }
  if (options.title) {
    node.title = options.title;
  }
  for (const [key, value] of Object.entries(options.attrs ?? {})) {
    node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child);
    }
  }
  return node;
}

const UNITS: [number, Intl.RelativeTimeFormatUnit][] = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [7, 'day'],
  [4.35, 'week'],
  [12, 'month'],
  [Number.POSITIVE_INFINITY, 'year']
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago" for an epoch-millisecond time. */
export function relativeTime(ms: number | null, now = Date.now()): string {
  if (ms === null) {
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

/** An absolute local time for tooltips. */
export function absoluteTime(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toLocaleString();
}

/** "1 h 02 min", "12.3 s". */
export function duration(seconds: number | null): string {
  if (seconds === null || seconds === undefined) {
    return '';
  }
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A metric value: NaN and infinities arrive as strings. */
export function metric(value: WireNumber | undefined): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  const size = Math.abs(value);
  return size !== 0 && (size < 1e-3 || size >= 1e6) ? value.toExponential(3) : value.toPrecision(4).replace(/\.?0+$/, '');
}

/** Bytes as "12.5 KB". */
export function bytes(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/** The CSS class of a status (colour comes from JupyterLab's theme variables). */
export function statusClass(status: string): string {
  return `nbtrack-status nbtrack-status-${status.toLowerCase()}`;
}

/** A key/value table (params, metrics, tags). */
export function table(rows: [string, string][], cls = 'nbtrack-kv'): HTMLElement {
  if (!rows.length) {
    return el('p', { cls: 'nbtrack-Muted', text: 'none' });
  }
  const node = el('table', { cls });
  for (const [key, value] of rows) {
    const row = node.insertRow();
    row.append(el('th', { text: key, attrs: { scope: 'row' } }), el('td', { text: value }));
  }
  return node;
}

/** Python source of a string list: ["a", "b"] with JSON escaping (valid Python too). */
export function pythonList(items: string[]): string {
  return `[${items.map(item => JSON.stringify(item)).join(', ')}]`;
}
