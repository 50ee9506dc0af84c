// The sidebar's own small DOM pieces (status dots, key/value tables) and the facts of a run's
// detail. How durations, numbers and times read comes from ../shared/format, as in the widgets.
import { el } from '../shared/dom';
import { formatDuration, formatTime } from '../shared/format';
import type { IRunDetail } from './api';

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

/** The facts at the top of a run's detail: id, experiment, start, duration, who, parent. */
export function runFacts(run: IRunDetail['run']): [string, string][] {
  const facts: [string, string][] = [
    ['run id', run.run_id],
    ['experiment', run.experiment_name ?? ''],
    ['started', formatTime(run.start_time)],
    ['duration', run.status === 'RUNNING' ? 'running' : formatDuration(run.duration)],
    ['by', [run.user, run.host].filter(Boolean).join(' @ ')],
  ];
  if (run.parent_run_id) {
    facts.push(['parent run', run.parent_run_id]);
  }
  return facts;
}

/** Python source of a string list: ["a", "b"] with JSON escaping (valid Python too). */
export function pythonList(items: string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
}
