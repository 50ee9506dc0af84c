/** How the widgets write column names and cells; durations, numbers and times come from ../../shared/format. */
import { formatDuration, formatNumber, formatTime } from '../../shared/format';

const LABELS: Record<string, string> = {
  run_name: 'name',
  start_time: 'started',
  end_time: 'ended',
  experiment_name: 'experiment',
  parent_run_id: 'parent',
};
const TIME_COLUMNS = new Set(['start_time', 'end_time']);

/** Column header text: the key without its group prefix, attributes by a short name. */
export function columnLabel(column: string): string {
  const dot = column.indexOf('.');
  return dot > 0 ? column.slice(dot + 1) : (LABELS[column] ?? column);
}

/** Whether a column holds epoch-millisecond times. */
export function isTimeColumn(column: string): boolean {
  return TIME_COLUMNS.has(column);
}

/** The text of one run-table cell (Arrow gives NaN for a missing number: shown blank). */
export function formatCell(column: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '';
    if (TIME_COLUMNS.has(column)) return formatTime(value);
    if (column === 'duration') return formatDuration(value);
    return formatNumber(value);
  }
  return String(value);
}
