/**
 * Draw a Vega-Lite spec built in Python (nbtrack.charts) with the bundled vega-embed.
 *
 * Python sends the spec without its rows and each named dataset as Arrow IPC; they are
 * put back here; ../../shared/vega draws it (nothing is ever fetched).
 */
import { changeset, type View } from 'vega';

import { embedChart } from '../../shared/vega';
import { readTable, toRows } from './arrow';

export interface ChartPayload {
  spec?: Record<string, unknown>;
  data?: Record<string, unknown>;
  error?: string;
}

export function rowsOf(value: unknown): Record<string, unknown>[] {
  const table = readTable(value);
  return table ? toRows(table) : [];
}

/** The spec with its datasets filled in from the Arrow buffers. */
export function withRows(payload: ChartPayload): Record<string, unknown> {
  const spec = structuredClone(payload.spec ?? {});
  const datasets: Record<string, unknown> = { ...(spec.datasets as Record<string, unknown> | undefined) };
  for (const [name, bytes] of Object.entries(payload.data ?? {})) datasets[name] = rowsOf(bytes);
  return { ...spec, datasets };
}

export interface DrawnChart {
  element: HTMLElement;
  view: View;
  finalize: () => void;
}

/** Render into a new element (the caller puts it on the page); returns it, its view and its cleanup. */
export async function drawChart(payload: ChartPayload): Promise<DrawnChart> {
  const target = document.createElement('div');
  target.className = 'nbt-vega';
  const result = await embedChart(target, withRows(payload));
  return { element: target, view: result.view, finalize: () => result.finalize() };
}

/** Replace one named dataset of a drawn chart (streaming: no new spec, no re-embed). */
export async function replaceRows(view: View, name: string, rows: Record<string, unknown>[]): Promise<boolean> {
  try {
    view.data(name);
  } catch {
    return false;
  }
  await view
    .change(
      name,
      changeset()
        .remove(() => true)
        .insert(rows),
    )
    .runAsync();
  return true;
}

/** How many items the chart drew per mark type (for the page and the tests). */
export function markCount(host: HTMLElement, kind: string): number {
  return host.querySelectorAll(`.mark-${kind} > path, .mark-${kind} > line`).length;
}
