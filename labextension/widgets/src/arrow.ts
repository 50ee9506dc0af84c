/** Arrow IPC pages and datasets from Python, read with apache-arrow. */
import { tableFromIPC, type Table, type Vector } from 'apache-arrow';

import { asBytes } from './model';

export function readTable(value: unknown): Table | null {
  const bytes = asBytes(value);
  if (!bytes || bytes.byteLength === 0) return null;
  return tableFromIPC(bytes);
}

/** Plain row objects (Vega adds its own fields to each row, which Arrow's row proxies refuse). */
export function toRows(table: Table): Record<string, unknown>[] {
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((name) => values(table.getChild(name)));
  const rows: Record<string, unknown>[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]] = normalise(columns[c][i]);
    rows[i] = row;
  }
  return rows;
}

/** A column's values; through get() when it has nulls, as typed arrays hold garbage there. */
function values(vector: Vector | null): ArrayLike<unknown> {
  if (vector === null) return [];
  if (vector.nullCount === 0) return vector.toArray() as ArrayLike<unknown>;
  const out = new Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector.get(i);
  return out;
}

function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isNaN(value)) return null;
  return value;
}
