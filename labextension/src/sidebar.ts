// The left-sidebar panel: experiments with run counts, a filter box (the filter grammar of
// nbtrack.runs, parse errors shown inline with their column), the virtualised runs list, and the
// selection's actions. It refreshes itself when the live feed reports a change.
import { LabIcon } from '@jupyterlab/ui-components';
import { type ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { ApiError, type IExperiment, type IRunSummary, type NbtrackApi } from './api';
import { debounce } from '../shared/debounce';
import { el } from '../shared/dom';
import { formatCount, formatFilterError } from '../shared/format';
import type { LiveUpdates } from './live';
import { RunList } from './runlist';

export const SIDEBAR_ID = 'nbtrack-sidebar';
const FILTER_DELAY_MS = 400;
const CLOCK_MS = 30_000;

export const trackIcon = new LabIcon({
  name: 'nbtrack:track',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">' +
    '<path class="jp-icon3" fill="#616161" d="M3 17l6-6 4 4 8-8v3h2V3h-7v2h3l-6 6-4-4-7 7z"/></svg>',
});

export interface ISidebarActions {
  openRun(run: IRunSummary): void;
  compare(runs: IRunSummary[]): void;
  insertComparison(runs: IRunSummary[]): void;
}

export class NbtrackSidebar extends Widget {
  constructor(
    private readonly _api: NbtrackApi,
    readonly live: LiveUpdates,
    private readonly _actions: ISidebarActions,
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('nbtrack-Sidebar');
    this.title.icon = trackIcon;
    this.title.caption = 'nbtrack: experiments and runs';

    this._liveDot = el('span', { cls: 'nbtrack-live', title: 'live updates: connecting' });
    this._experiments = el('ul', { cls: 'nbtrack-Experiments', attrs: { 'aria-label': 'experiments' } });
    this._filter = el('input', {
      cls: 'nbtrack-Filter jp-mod-styled',
      attrs: {
        type: 'search',
        placeholder: "filter: metrics.acc > 0.9 and params.model = 'rf'",
        'aria-label': 'filter runs',
      },
    });
    this._error = el('pre', { cls: 'nbtrack-FilterError', attrs: { role: 'alert' } });
    this._error.hidden = true;
    this._count = el('span', { cls: 'nbtrack-Count' });
    this._compareButton = el('button', { cls: 'jp-mod-styled jp-mod-accept nbtrack-Compare', text: 'Compare' });
    this._insertButton = el('button', {
      cls: 'jp-mod-styled nbtrack-Insert',
      text: 'Insert cell',
      title: 'Insert comparison cell',
    });
    this._clearButton = el('button', { cls: 'jp-mod-styled nbtrack-Clear', text: 'Clear' });
    this._empty = el('div', { cls: 'nbtrack-Empty' });
    this._list = new RunList(_api, {
      open: (run) => this._actions.openRun(run),
      selectionChanged: (selected) => this._onSelection(selected),
      loaded: (total) => this._onLoaded(total),
      failed: (error) => this._onFailed(error),
    });

    this._filter.addEventListener('input', () => this._filterLater.schedule());
    this._filter.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        this._applyFilter();
      } else if (event.key === 'ArrowDown') {
        this._list.node.focus();
        this._list.focusRow(0);
        event.preventDefault();
      }
    });
    this._compareButton.addEventListener('click', () => this._actions.compare(this.selected));
    this._insertButton.addEventListener('click', () => this._actions.insertComparison(this.selected));
    this._clearButton.addEventListener('click', () => this._list.clearSelection());

    this.node.append(
      el('header', { cls: 'nbtrack-Header' }, el('h2', { text: 'nbtrack' }), this._liveDot),
      this._experiments,
      el('div', { cls: 'nbtrack-FilterBar' }, this._filter, this._error),
      el('div', { cls: 'nbtrack-Toolbar' }, this._count, this._clearButton, this._insertButton, this._compareButton),
      this._list.node,
      this._empty,
    );
    this._onSelection([]);
    live.changed.connect(() => void this.refresh());
    live.modeChanged.connect((_, mode) => {
      this._liveDot.dataset.mode = mode;
      this._liveDot.title = `live updates: ${mode === 'stream' ? 'server-sent events' : mode}`;
    });
    this._clock = window.setInterval(() => this._list.refreshTimes(), CLOCK_MS);
  }

  /** The runs selected for comparison, in the order they were picked. */
  get selected(): IRunSummary[] {
    return this._list.selected;
  }

  get selectionChanged(): ISignal<this, IRunSummary[]> {
    return this._selectionChanged;
  }

  /** Reload experiments and the runs in view. */
  async refresh(): Promise<void> {
    await Promise.all([this._loadExperiments(), this._list.reload()]);
  }

  async start(): Promise<void> {
    await Promise.all([this._loadExperiments(), this._list.setQuery(this._query())]);
    this.live.start();
  }

  dispose(): void {
    window.clearInterval(this._clock);
    this._filterLater.cancel();
    this.live.stop();
    super.dispose();
  }

  private async _loadExperiments(): Promise<void> {
    let experiments: IExperiment[];
    try {
      experiments = (await this._api.experiments()).experiments;
    } catch (error) {
      this._onFailed(error as Error);
      return;
    }
    const total = experiments.reduce((sum, e) => sum + e.runs, 0);
    const items = [
      { id: '', name: 'All experiments', runs: total },
      ...experiments.map((e) => ({ id: e.experiment_id, name: e.name, runs: e.runs })),
    ];
    this._experiments.replaceChildren(
      ...items.map((item) => {
        const button = el(
          'button',
          {
            cls: 'nbtrack-Experiment',
            attrs: { 'data-experiment-id': item.id, 'aria-pressed': String(item.id === this._experiment) },
          },
          el('span', { cls: 'nbtrack-Experiment-name', text: item.name }),
          el('span', { cls: 'nbtrack-Experiment-runs', text: formatCount(item.runs) }),
        );
        button.addEventListener('click', () => this._chooseExperiment(item.id));
        return el('li', {}, button);
      }),
    );
  }

  private _chooseExperiment(id: string): void {
    this._experiment = id;
    for (const button of this._experiments.querySelectorAll<HTMLButtonElement>('.nbtrack-Experiment')) {
      button.setAttribute('aria-pressed', String(button.dataset.experimentId === id));
    }
    void this._list.setQuery(this._query());
  }

  private _query() {
    return { experiment: this._experiment || undefined, filter: this._filterText || undefined };
  }

  private _applyFilter(): void {
    this._filterLater.cancel();
    const text = this._filter.value.trim();
    if (text === this._filterText && this._error.hidden) {
      return;
    }
    this._filterText = text;
    void this._list.setQuery(this._query());
  }

  private _onLoaded(total: number): void {
    this._error.hidden = true;
    this._filter.removeAttribute('aria-invalid');
    this._count.textContent = formatCount(total, 'run');
    const filtered = Boolean(this._filterText || this._experiment);
    this._empty.hidden = total > 0;
    this._list.node.hidden = total === 0;
    this._empty.textContent = filtered ? 'No runs match.' : 'No runs yet — add %%track to a cell';
  }

  private _onFailed(error: Error): void {
    if (error instanceof ApiError && error.status === 400 && error.column !== undefined) {
      // keep the rows of the last filter that parsed; show where this one breaks
      this._error.textContent = formatFilterError(error.message, this._filterText, error.column);
    } else {
      this._error.textContent = error instanceof ApiError ? error.message : `nbtrack: ${error.message}`;
    }
    this._error.hidden = false;
    this._filter.setAttribute('aria-invalid', 'true');
  }

  private _onSelection(selected: IRunSummary[]): void {
    this._compareButton.disabled = selected.length < 2;
    this._insertButton.disabled = selected.length < 1;
    this._clearButton.hidden = selected.length === 0;
    this._compareButton.textContent = selected.length ? `Compare ${selected.length}` : 'Compare';
    this._selectionChanged.emit(selected);
  }

  private _experiment = '';
  private _filterText = '';
  private _filterLater = debounce(() => this._applyFilter(), FILTER_DELAY_MS);
  private _clock = 0;
  private _list: RunList;
  private _liveDot: HTMLSpanElement;
  private _experiments: HTMLUListElement;
  private _filter: HTMLInputElement;
  private _error: HTMLPreElement;
  private _count: HTMLSpanElement;
  private _compareButton: HTMLButtonElement;
  private _insertButton: HTMLButtonElement;
  private _clearButton: HTMLButtonElement;
  private _empty: HTMLDivElement;
  private _selectionChanged = new Signal<this, IRunSummary[]>(this);
}
