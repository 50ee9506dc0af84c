// The comparison tab: what differs between the selected runs and their charts, from the same
// data and chart functions as the inline nbtrack.compare widget (GET nbtrack/api/compare).
import type { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import type { IComparison, NbtrackApi } from './api';
import { section } from './detail';
import { diffTable } from '../shared/diff';
import { el } from '../shared/dom';
import { statusClass } from './format';
import type { LiveUpdates } from './live';
import { trackIcon } from './sidebar';
import { drawChart } from './vega';

export const INSERT_COMMAND = 'nbtrack:insert-comparison-cell';

export class ComparisonPanel extends Widget {
  constructor(
    private readonly _api: NbtrackApi,
    readonly runIds: string[],
    private readonly _commands: CommandRegistry,
    private readonly _live: LiveUpdates,
  ) {
    super();
    this.id = `nbtrack-compare-${runIds.join('-').slice(0, 200)}`;
    this.addClass('nbtrack-Comparison');
    this.title.label = `Compare ${runIds.length} runs`;
    this.title.icon = trackIcon;
    this.title.closable = true;
    this.node.append(el('p', { cls: 'nbtrack-Loading', text: 'Loading…' }));
    this._live.changed.connect(this._onLiveChange, this);
  }

  async load(): Promise<void> {
    let data: IComparison;
    try {
      data = await this._api.compare(this.runIds);
    } catch (error) {
      this.node.replaceChildren(el('p', { cls: 'nbtrack-Error', text: (error as Error).message }));
      return;
    }
    this._running = data.runs.some((run) => run.status === 'RUNNING');
    this._freeViews();
    const insert = el('button', { cls: 'jp-mod-styled jp-mod-accept nbtrack-Insert', text: 'Insert comparison cell' });
    insert.addEventListener('click', () => void this._commands.execute(INSERT_COMMAND, { runIds: this.runIds }));
    const charts = data.charts.map((chart) => {
      const host = el('div', { cls: 'nbtrack-Chart', attrs: { 'data-chart': chart.id } });
      return { chart, host, block: section(chart.title, host) };
    });
    this.node.replaceChildren(
      el(
        'header',
        { cls: 'nbtrack-Detail-header' },
        el('h1', { text: `${data.runs.length} runs` }),
        el('div', { cls: 'nbtrack-Actions' }, insert),
      ),
      el(
        'ul',
        { cls: 'nbtrack-RunChips' },
        ...data.runs.map((run) =>
          el('li', { attrs: { 'data-run-id': run.run_id } }, el('span', { cls: statusClass(run.status) }), run.label),
        ),
      ),
      section('What differs', this._diff(data)),
      ...charts.map((item) => item.block),
    );
    for (const { chart, host } of charts) {
      try {
        this._views.push(await drawChart(host, chart.spec));
      } catch (error) {
        host.textContent = `Cannot draw this chart: ${(error as Error).message}`;
      }
    }
  }

  dispose(): void {
    this._live.changed.disconnect(this._onLiveChange, this);
    this._freeViews();
    super.dispose();
  }

  private _diff(data: IComparison): HTMLElement {
    if (!data.diff.fields.length) {
      return el('p', { cls: 'nbtrack-Muted', text: 'Params and tags are the same in every run.' });
    }
    return diffTable(data.diff, { table: 'nbtrack-Diff', missing: 'nbtrack-Missing' });
  }

  private _onLiveChange(): void {
    if (this._running) {
      void this.load();
    }
  }

  private _freeViews(): void {
    for (const free of this._views.splice(0)) {
      free();
    }
  }

  private _running = false;
  private _views: (() => void)[] = [];
}
