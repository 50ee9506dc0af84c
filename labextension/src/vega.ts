// Charts in the sidebar's tabs: the specs come from nbtrack.charts (the functions behind
// nbtrack.compare) and are drawn by ../shared/vega, as in the widgets.
import { embedChart } from '../shared/vega';

/** Render ``spec`` into ``host``; returns a function that frees the view. */
export async function drawChart(host: HTMLElement, spec: Record<string, unknown>): Promise<() => void> {
  const result = await embedChart(host, spec);
  return () => result.finalize();
}
