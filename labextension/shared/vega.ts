// Draw a Vega-Lite spec built in Python (nbtrack.charts) with the vega-embed bundled into each
// build (no CDN), the same way in the sidebar and in the widgets. The specs carry their rows, so
// the loader refuses every URL: a chart never makes the browser fetch anything.
import { loader as vegaLoader } from 'vega';
import embed, { type Result, type VisualizationSpec } from 'vega-embed';

const offline = vegaLoader();
offline.load = async (uri: string) => {
  throw new Error(`nbtrack charts load nothing from the network (asked for ${uri})`);
};

/** Render ``spec`` into ``host`` as SVG with the export menu; call ``finalize()`` on the result to free it. */
export async function embedChart(host: HTMLElement, spec: Record<string, unknown>): Promise<Result> {
  return embed(host, spec as VisualizationSpec, {
    renderer: 'svg',
    actions: { export: true, source: false, compiled: false, editor: false },
    downloadFileName: 'nbtrack-chart',
    loader: offline,
    tooltip: true,
  });
}
