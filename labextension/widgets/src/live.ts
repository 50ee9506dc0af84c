/**
 * Live curves: Python pushes from the kernel while the cell runs (the kernel cannot answer
 * requests then). `chart` is a whole spec (sent when a metric appears and at the end);
 * `rows` replaces the rows of the drawn chart in place, so the view streams without redrawing.
 */
import { drawChart, replaceRows, rowsOf, type ChartPayload, type DrawnChart } from './chart';
import { formatCount } from '../../shared/format';
import { element, listen, type RenderProps } from './model';

function render({ model, el }: RenderProps): () => void {
  const root = element('div', 'nbt-widget nbt-live');
  const status = element('div', 'nbt-live-status');
  const host = element('div', 'nbt-chart');
  root.append(status, host);
  el.appendChild(root);
  let drawn: DrawnChart | null = null;
  let queue: Promise<void> = Promise.resolve();

  const showStatus = () => {
    const state: string = model.get('state');
    const points: number = model.get('points') ?? 0;
    const message: string = model.get('message') ?? '';
    root.dataset.state = state;
    status.classList.toggle('nbt-running', state === 'running');
    const what = state === 'running' ? 'live' : state === 'done' ? 'finished' : 'stopped';
    status.textContent = `${model.get('run_name')}: ${what}, ${formatCount(points, 'point')}${message ? ` (${message})` : ''}`;
  };
  const drawnPoints = (n: number) => {
    root.dataset.points = String(n);
  };
  // Updates are applied one after the other: a draw is async and rows may arrive meanwhile.
  const later = (task: () => Promise<void>) => {
    queue = queue.then(task).catch((error) => {
      status.textContent = `chart error: ${error}`;
    });
  };
  const redraw = () =>
    later(async () => {
      const payload: ChartPayload = model.get('chart') ?? {};
      if (!payload.spec) return;
      const next = await drawChart(payload);
      host.replaceChildren(next.element);
      drawn?.finalize();
      drawn = next;
      drawnPoints(Object.values(payload.data ?? {}).reduce((n: number, d) => n + rowsOf(d).length, 0));
    });
  const stream = () =>
    later(async () => {
      const update = model.get('rows') ?? {};
      if (!drawn || !update.name) return;
      const rows = rowsOf(update.data);
      if (await replaceRows(drawn.view, update.name, rows)) drawnPoints(rows.length);
    });

  const stop = listen(model, {
    'change:chart': redraw,
    'change:rows': stream,
    'change:points': showStatus,
    'change:state': showStatus,
    'change:message': showStatus,
  });
  showStatus();
  redraw();
  return () => {
    stop();
    drawn?.finalize();
  };
}

export default { render };
