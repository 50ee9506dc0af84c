// Draw a Vega-Lite spec from the server with the vega-embed bundled into this extension
// (no CDN). The specs come from nbtrack.charts, the functions behind nbtrack.compare, and use a
// transparent background with mid-grey ink, readable on light and dark themes.
import embed from 'vega-embed';

/** Render ``spec`` into ``host``; returns a function that frees the view. */
export async function drawChart(host: HTMLElement, spec: Record<string, unknown>): Promise<() => void> {
  const result = await embed(host, spec as any, {
    renderer: 'svg',
    actions: { export: true, source: false, compiled: false, editor: false },
    downloadFileName: 'nbtrack-chart'
  });
  return () => result.finalize();
}
