// The runs list: virtualised (only the rows in view exist in the DOM, pages of 100 runs are
// fetched as they scroll into view), status colours, relative times, selection with checkboxes,
// and keyboard navigation (arrows, Page Up/Down, Home/End, Space selects, Enter opens).
import type { ApiError, IRunSummary, NbtrackApi } from './api';
import { el } from '../shared/dom';
import { formatNumber, formatRelativeTime, formatTime } from '../shared/format';
import { statusClass } from './format';

export const ROW_HEIGHT = 44;
const PAGE_SIZE = 100;
const OVERSCAN = 6;

export interface IRunQuery {
  experiment?: string;
  filter?: string;
}

export interface IRunListEvents {
  open(run: IRunSummary): void;
  selectionChanged(selected: IRunSummary[]): void;
  loaded(total: number): void;
  failed(error: ApiError | Error): void;
}

export class RunList {
  readonly node: HTMLDivElement;

  constructor(
    private readonly _api: NbtrackApi,
    private readonly _events: IRunListEvents,
  ) {
    this.node = el('div', {
      cls: 'nbtrack-RunList',
      attrs: { tabindex: '0', role: 'listbox', 'aria-multiselectable': 'true', 'aria-label': 'runs' },
    });
    this._spacer = el('div', { cls: 'nbtrack-RunList-spacer' });
    this.node.append(this._spacer);
    this.node.addEventListener('scroll', () => this._render());
    this.node.addEventListener('keydown', (event) => this._onKey(event));
    new ResizeObserver(() => this._render()).observe(this.node);
  }

  get total(): number {
    return this._total;
  }

  get selected(): IRunSummary[] {
    return [...this._selected.values()];
  }

  /** Show the runs of another query; if the server refuses it (a filter that does not parse),
   * the rows of the last good query stay and the error goes to ``failed``. */
  async setQuery(query: IRunQuery): Promise<void> {
    const previous = this._query;
    this._query = query;
    if (!(await this.reload(true))) {
      this._query = previous;
    }
  }

  /** Fetch the pages in view again (live updates); rows stay on screen until the new ones arrive. */
  async reload(fromTop = false): Promise<boolean> {
    const generation = ++this._generation;
    const first = fromTop ? 0 : this._firstPage();
    try {
      const page = await this._fetch(first);
      if (generation !== this._generation) {
        return true;
      }
      this._pages.clear();
      this._pages.set(first, page.runs);
      this._total = page.total;
      if (fromTop) {
        this._cursor = 0;
        this.node.scrollTop = 0;
      }
      this._events.loaded(page.total);
      this._render();
      return true;
    } catch (error) {
      if (generation === this._generation) {
        this._events.failed(error as Error);
      }
      return false;
    }
  }

  clearSelection(): void {
    this._selected.clear();
    this._render();
    this._events.selectionChanged([]);
  }

  focusRow(index: number): void {
    this._cursor = Math.max(0, Math.min(index, this._total - 1));
    const top = this._cursor * ROW_HEIGHT;
    if (top < this.node.scrollTop) {
      this.node.scrollTop = top;
    } else if (top + ROW_HEIGHT > this.node.scrollTop + this.node.clientHeight) {
      this.node.scrollTop = top + ROW_HEIGHT - this.node.clientHeight;
    }
    this._render();
  }

  /** Redraw (relative times age). */
  refreshTimes(): void {
    this._render();
  }

  private _firstPage(): number {
    return Math.floor(Math.floor(this.node.scrollTop / ROW_HEIGHT) / PAGE_SIZE);
  }

  private _fetch(page: number) {
    return this._api.runs({ ...this._query, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
  }

  private _ensurePage(page: number): void {
    if (this._pages.has(page) || this._loading.has(page) || page * PAGE_SIZE >= this._total) {
      return;
    }
    const generation = this._generation;
    this._loading.add(page);
    this._fetch(page)
      .then((answer) => {
        if (generation === this._generation) {
          this._pages.set(page, answer.runs);
          this._render();
        }
      })
      .catch((error) => this._events.failed(error))
      .finally(() => this._loading.delete(page));
  }

  private _row(index: number): IRunSummary | undefined {
    return this._pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  private _render(): void {
    this._spacer.style.height = `${this._total * ROW_HEIGHT}px`;
    const height = this.node.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.node.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this._total, Math.ceil((this.node.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    const rows: HTMLElement[] = [];
    const now = Date.now();
    for (let index = first; index < last; index++) {
      const run = this._row(index);
      if (!run) {
        this._ensurePage(Math.floor(index / PAGE_SIZE));
      }
      rows.push(this._rowNode(index, run, now));
    }
    this._spacer.replaceChildren(...rows);
  }

  private _rowNode(index: number, run: IRunSummary | undefined, now: number): HTMLElement {
    const row = el('div', {
      cls: `nbtrack-Run${index === this._cursor ? ' nbtrack-cursor' : ''}`,
      attrs: { role: 'option', 'data-index': String(index) },
    });
    row.style.top = `${index * ROW_HEIGHT}px`;
    if (!run) {
      row.append(el('span', { cls: 'nbtrack-Run-loading', text: 'Loading…' }));
      return row;
    }
    const selected = this._selected.has(run.run_id);
    row.dataset.runId = run.run_id;
    row.dataset.status = run.status;
    row.setAttribute('aria-selected', String(selected));
    const box = el('input', {
      cls: 'nbtrack-Run-select',
      attrs: { type: 'checkbox', 'aria-label': 'select for comparison' },
    });
    box.checked = selected;
    box.tabIndex = -1;
    box.addEventListener('click', (event) => {
      event.stopPropagation();
      this._toggle(index);
    });
    const [key, value] = Object.entries(run.metrics)[0] ?? [];
    const meta = [run.experiment_name ?? '', key !== undefined ? `${key} ${formatNumber(value)}` : '']
      .filter(Boolean)
      .join(' · ');
    row.append(
      box,
      el('span', { cls: statusClass(run.status), title: run.status }),
      el(
        'div',
        { cls: 'nbtrack-Run-text' },
        el('div', { cls: 'nbtrack-Run-name', text: run.run_name ?? run.run_id.slice(0, 8) }),
        el('div', { cls: 'nbtrack-Run-meta', text: meta }),
      ),
      el('time', {
        cls: 'nbtrack-Run-time',
        text: formatRelativeTime(run.start_time, now),
        title: formatTime(run.start_time),
        attrs: run.start_time ? { datetime: new Date(run.start_time).toISOString() } : {},
      }),
    );
    row.addEventListener('click', (event) => {
      this._cursor = index;
      if (event.ctrlKey || event.metaKey || event.shiftKey) {
        this._toggle(index);
      } else {
        this._render();
        this._events.open(run);
      }
    });
    return row;
  }

  private _toggle(index: number): void {
    const run = this._row(index);
    if (!run) {
      return;
    }
    if (this._selected.has(run.run_id)) {
      this._selected.delete(run.run_id);
    } else {
      this._selected.set(run.run_id, run);
    }
    this._render();
    this._events.selectionChanged(this.selected);
  }

  private _onKey(event: KeyboardEvent): void {
    const pageRows = Math.max(1, Math.floor(this.node.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: pageRows,
      PageUp: -pageRows,
      Home: -this._total,
      End: this._total,
    };
    if (event.key in moves) {
      this.focusRow(this._cursor + moves[event.key]);
    } else if (event.key === ' ') {
      this._toggle(this._cursor);
    } else if (event.key === 'Enter') {
      const run = this._row(this._cursor);
      if (run) {
        this._events.open(run);
      }
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  private _query: IRunQuery = {};
  private _pages = new Map<number, IRunSummary[]>();
  private _loading = new Set<number>();
  private _generation = 0;
  private _total = 0;
  private _cursor = 0;
  private _selected = new Map<string, IRunSummary>();
  private _spacer: HTMLDivElement;
}
