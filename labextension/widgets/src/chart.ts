/**
 * Draw a Vega-Lite spec built in Python (nbtrack.charts) with the bundled vega-embed.
 *
 * Python sends the spec without its rows and each named dataset as Arrow IPC; they are
 * put back here. Nothing is ever fetched: the loader refuses every URL.
 */
import { changeset, loader as vegaLoader, type View } from 'vega';
import embed from 'vega-embed';

import { readTable, toRows } from './arrow';

export interface ChartPayload {
  spec?: Record<string, any>;
  data?: Record<string, unknown>;
  error?: string;
}

const offline = vegaLoader();
offline.load = async (uri: string) => {
  throw new Error(`nbtrack charts load nothing from the network (asked for ${uri})`);
};

export function rowsOf(value: unknown): Record<string, unknown>[] {
  const table = readTable(value);
  return table ? toRows(table) : [];
}

/** The spec with its datasets filled in from the Arrow buffers. */
export function withRows(payload: ChartPayload): Record<string, any> {
  const spec = structuredClone(payload.spec ?? {});
  spec.datasets = { ...(spec.datasets ?? {}) };
  for (const [name, bytes] of Object.entries(payload.data ?? {})) spec.datasets[name] = rowsOf(bytes);
  return spec;
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
  const result = await embed(target, withRows(payload) as any, {
    renderer: 'svg',
    actions: { export: true, source: false, compiled: false, editor: false },
    downloadFileName: 'nbtrack-chart',
    loader: offline,
    tooltip: true,
  });
  return { element: target, view: result.view, finalize: () => result.finalize() };
}

/** Replace one named dataset of a drawn chart (streaming: no new spec, no re-embed). */
export async function replaceRows(view: View, name: string, rows: Record<string, unknown>[]): Promise<boolean> {
  try {
    view.data(name);
  } catch {
    return false;
  }
  await view.change(name, changeset().remove(() => true).insert(rows)).runAsync();
  return true;
}

/** How many items the chart drew per mark type (for the page and the tests). */
export function markCount(host: HTMLElement, kind: string): number {
  return host.querySelectorAll(`.mark-${kind} > path, .mark-${kind} > line`).length;
}
