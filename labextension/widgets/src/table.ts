/**
 * The run table: a virtualised grid over pages of Arrow IPC that Python sends on request.
 *
 * Only the rows in view (plus a margin) exist in the DOM; pages are asked for with
 * `{type: "page", offset, limit, version}` messages as the user scrolls and cached (bounded).
 * Sorting, the filter box, the column chooser and the selection are traits, so Python
 * re-runs the search with the store's filter grammar and `.selected` follows the clicks.
 */
import type { Table } from 'apache-arrow';

import { readTable } from './arrow';
import { debounce } from '../../shared/debounce';
import { formatCount, formatFilterError } from '../../shared/format';
import { columnLabel, formatCell, isTimeColumn } from './format';
import { element, listen, type AnyModel, type RenderProps } from './model';

const ROW_HEIGHT = 28;
const VIEW_ROWS = 14;
const MAX_CACHED_PAGES = 60;
const FILTER_DELAY_MS = 700;
const NOT_SORTABLE = new Set(['experiment_name']);
const GROUP_TITLES: Record<string, string> = {
  attributes: 'Attributes',
  metrics: 'Metrics',
  params: 'Params',
  tags: 'Tags',
};
type Page = { table: Table; rows: number };
/** What Python answers on the custom channel (nbtrack/widgets/run_table.py). */
type Reply = { type?: string; offset?: number; version?: number; message?: string };

function columnWidth(column: string): number {
  if (column === 'run_name') return 200;
  if (isTimeColumn(column)) return 150;
  if (column === 'status') return 92;
  if (column === 'run_id' || column === 'parent_run_id') return 130;
  return 112;
}

class RunTableView {
  private pages = new Map<number, Page>();
  private pending = new Set<number>();
  private selected: string[] = [];
  private lastClicked = -1;
  private filterLater = debounce(() => this.applyFilter(), FILTER_DELAY_MS);
  private refreshPending = false;
  private lastRefresh = Date.now();
  private root = element('div', 'nbt-widget nbt-table');
  private filterInput = element('input', 'nbt-filter');
  private errorBox = element('div', 'nbt-error');
  private countLabel = element('span', 'nbt-count');
  private clearButton = element('button', 'nbt-button nbt-clear', 'Clear selection');
  private refreshButton = element('button', 'nbt-button nbt-refresh', 'Refresh');
  private autoBox = element('input', 'nbt-auto');
  private chooserButton = element('button', 'nbt-button nbt-columns-button', 'Columns');
  private chooser = element('div', 'nbt-chooser');
  private viewport = element('div', 'nbt-viewport');
  private header = element('div', 'nbt-row nbt-header');
  private spacer = element('div', 'nbt-spacer');
  private body = element('div', 'nbt-body');
  private notice = element('div', 'nbt-notice');

  constructor(private model: AnyModel) {
    this.selected = [...(model.get('selected_ids') ?? [])];
    this.build();
  }

  mount(el: HTMLElement): () => void {
    el.appendChild(this.root);
    const stop = listen(this.model, {
      'change:version': () => this.reset(),
      'change:visible': () => this.reset(),
      'change:error': () => this.showError(),
      'change:selected_ids': () => this.syncSelection(),
      'change:columns': () => this.buildChooser(),
      'change:auto_refresh': () => (this.autoBox.checked = this.model.get('auto_refresh') > 0),
      'msg:custom': (msg: Reply, buffers: unknown[]) => this.onMessage(msg, buffers),
    });
    const timer = window.setInterval(() => this.autoRefresh(), 1000);
    this.reset();
    this.showError();
    return () => {
      stop();
      window.clearInterval(timer);
      this.filterLater.cancel();
    };
  }

  // -- layout --------------------------------------------------------------------------
  private build(): void {
    const bar = element('div', 'nbt-toolbar');
    this.filterInput.type = 'text';
    this.filterInput.spellcheck = false;
    this.filterInput.placeholder = "filter, e.g. metrics.accuracy > 0.9 and params.model = 'rf'";
    this.filterInput.value = this.model.get('filter') ?? '';
    this.filterInput.addEventListener('input', () => this.filterLater.schedule());
    this.filterInput.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.applyFilter();
    });
    const auto = element('label', 'nbt-auto-label');
    this.autoBox.type = 'checkbox';
    this.autoBox.checked = this.model.get('auto_refresh') > 0;
    this.autoBox.addEventListener('change', () => {
      this.model.set('auto_refresh', this.autoBox.checked ? 10 : 0);
      this.model.save_changes();
    });
    auto.append(this.autoBox, document.createTextNode(' auto-refresh'));
    this.refreshButton.addEventListener('click', () => this.refresh());
    this.clearButton.addEventListener('click', () => this.setSelection([]));
    this.chooserButton.addEventListener('click', () => {
      this.chooser.hidden = !this.chooser.hidden;
    });
    bar.append(this.filterInput, this.chooserButton, this.refreshButton, auto, this.clearButton, this.countLabel);
    this.chooser.hidden = true;
    this.errorBox.hidden = true;
    this.viewport.addEventListener('scroll', () => this.draw());
    this.spacer.append(this.body);
    this.viewport.append(this.header, this.spacer);
    this.notice.hidden = true;
    this.root.append(bar, this.errorBox, this.chooser, this.viewport, this.notice);
    this.buildChooser();
  }

  private columns(): string[] {
    return this.model.get('visible') ?? [];
  }

  private template(): string {
    return ['30px', ...this.columns().map((c) => `${columnWidth(c)}px`)].join(' ');
  }

  private buildHeader(): void {
    const sortBy: string = this.model.get('sort_by');
    const desc: boolean = this.model.get('sort_desc');
    this.header.replaceChildren(element('div', 'nbt-cell nbt-check'));
    this.header.style.gridTemplateColumns = this.template();
    for (const column of this.columns()) {
      const cell = element('div', 'nbt-cell nbt-head');
      cell.dataset.column = column;
      cell.title = column;
      const arrow = column === sortBy ? (desc ? ' ▼' : ' ▲') : '';
      cell.textContent = columnLabel(column) + arrow;
      if (!NOT_SORTABLE.has(column)) {
        cell.classList.add('nbt-sortable');
        cell.addEventListener('click', () => this.sort(column));
      }
      this.header.append(cell);
    }
  }

  private buildChooser(): void {
    const groups: Record<string, string[]> = this.model.get('columns') ?? {};
    const search = element('input', 'nbt-chooser-search');
    search.placeholder = 'find a column';
    const lists = element('div', 'nbt-chooser-groups');
    const fill = () => {
      const wanted = search.value.toLowerCase();
      const shown = new Set(this.columns());
      lists.replaceChildren();
      for (const [group, names] of Object.entries(groups)) {
        const box = element('fieldset', 'nbt-group');
        box.dataset.group = group;
        box.append(element('legend', '', `${GROUP_TITLES[group] ?? group} (${names.length})`));
        for (const name of names.filter((n) => n.toLowerCase().includes(wanted)).slice(0, 300)) {
          const label = element('label', 'nbt-choice');
          const box2 = element('input');
          box2.type = 'checkbox';
          box2.checked = shown.has(name);
          box2.dataset.column = name;
          box2.addEventListener('change', () => this.toggleColumn(name, box2.checked));
          label.append(box2, document.createTextNode(` ${columnLabel(name)}`));
          box.append(label);
        }
        lists.append(box);
      }
    };
    search.addEventListener('input', fill);
    fill();
    this.chooser.replaceChildren(search, lists);
  }

  // -- data ----------------------------------------------------------------------------
  private reset(): void {
    this.pages.clear();
    this.pending.clear();
    const first = readTable(this.model.get('first_page'));
    if (first) this.pages.set(0, { table: first, rows: first.numRows });
    this.buildHeader();
    this.buildChooser();
    this.draw();
  }

  private pageSize(): number {
    return this.model.get('page_size') || 100;
  }

  private request(page: number): void {
    if (this.pages.has(page) || this.pending.has(page)) return;
    this.pending.add(page);
    const limit = this.pageSize();
    this.model.send({ type: 'page', offset: page * limit, limit, version: this.model.get('version') });
  }

  private onMessage(msg: Reply, buffers: unknown[]): void {
    if (msg?.type === 'page') {
      if (msg.version !== this.model.get('version')) return;
      const page = Math.floor((msg.offset ?? 0) / this.pageSize());
      this.pending.delete(page);
      const table = readTable(buffers?.[0]);
      if (table) this.pages.set(page, { table, rows: table.numRows });
      this.evict(page);
      this.draw();
    } else if (msg?.type === 'refreshed') {
      this.refreshPending = false;
      this.refreshButton.disabled = false;
      this.lastRefresh = Date.now();
    } else if (msg?.type === 'error') {
      this.refreshPending = false;
      this.refreshButton.disabled = false;
      this.notice.hidden = false;
      this.notice.textContent = msg.message ?? '';
    }
  }

  private evict(near: number): void {
    if (this.pages.size <= MAX_CACHED_PAGES) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const page of far.slice(0, this.pages.size - MAX_CACHED_PAGES)) this.pages.delete(page);
  }

  private cell(row: number, column: string): unknown {
    const size = this.pageSize();
    const page = this.pages.get(Math.floor(row / size));
    if (!page || row % size >= page.rows) return undefined;
    return page.table.getChild(column)?.get(row % size);
  }

  // -- drawing -------------------------------------------------------------------------
  private draw(): void {
    const total: number = this.model.get('total') ?? 0;
    const size = this.pageSize();
    this.spacer.style.height = `${total * ROW_HEIGHT}px`;
    this.viewport.style.height = `${ROW_HEIGHT * (Math.max(3, Math.min(total, VIEW_ROWS)) + 1) + 2}px`;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - 5);
    const last = Math.min(total, first + VIEW_ROWS + 15);
    for (let page = Math.floor(first / size); page <= Math.floor(Math.max(first, last - 1) / size); page++) {
      if (page * size < total) this.request(page);
    }
    const template = this.template();
    const selected = new Set(this.selected);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(this.drawRow(i, template, selected));
    this.body.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.body.replaceChildren(...rows);
    this.updateCount();
  }

  private drawRow(i: number, template: string, selected: Set<string>): HTMLElement {
    const row = element('div', 'nbt-row');
    row.style.gridTemplateColumns = template;
    row.dataset.index = String(i);
    const runId = this.cell(i, 'run_id') as string | undefined;
    const check = element('div', 'nbt-cell nbt-check');
    if (runId === undefined) {
      row.classList.add('nbt-loading');
    } else {
      row.dataset.runId = runId;
      const box = element('input');
      box.type = 'checkbox';
      box.tabIndex = -1;
      box.checked = selected.has(runId);
      check.append(box);
      if (box.checked) row.classList.add('nbt-selected');
      row.addEventListener('click', (event) => this.clickRow(i, runId, event.shiftKey));
    }
    row.append(check);
    for (const column of this.columns()) {
      const value = runId === undefined ? undefined : this.cell(i, column);
      const cell = element('div', 'nbt-cell', runId === undefined ? '…' : formatCell(column, value));
      cell.dataset.column = column;
      if (column === 'status' && typeof value === 'string') {
        cell.classList.add('nbt-status', `nbt-status-${value.toLowerCase()}`);
      } else if (typeof value === 'number') {
        cell.classList.add('nbt-num');
      }
      if (cell.textContent && cell.textContent.length > 14) cell.title = cell.textContent;
      row.append(cell);
    }
    return row;
  }

  private updateCount(): void {
    const total: number = this.model.get('total') ?? 0;
    const chosen = this.selected.length;
    this.countLabel.textContent = formatCount(total, 'run') + (chosen ? ` · ${formatCount(chosen)} selected` : '');
    this.clearButton.hidden = chosen === 0;
  }

  // -- user actions --------------------------------------------------------------------
  private sort(column: string): void {
    const same = this.model.get('sort_by') === column;
    const desc = same ? !this.model.get('sort_desc') : !column.startsWith('params.') && column !== 'run_name';
    this.model.set('sort_by', column);
    this.model.set('sort_desc', desc);
    this.model.save_changes();
    this.viewport.scrollTop = 0;
  }

  private applyFilter(): void {
    this.filterLater.cancel();
    const text = this.filterInput.value.trim();
    if (text === this.model.get('filter')) return;
    this.model.set('filter', text);
    this.model.save_changes();
    this.viewport.scrollTop = 0;
  }

  private showError(): void {
    const error = this.model.get('error') ?? {};
    const message: string = error.message ?? '';
    this.errorBox.hidden = !message;
    this.filterInput.classList.toggle('nbt-invalid', Boolean(message));
    if (!message) return;
    const pre = element('pre');
    pre.textContent = formatFilterError(message, error.text ?? '', error.column);
    this.errorBox.replaceChildren(pre);
  }

  private toggleColumn(column: string, on: boolean): void {
    const current = this.columns().filter((c) => c !== column);
    this.model.set('visible', on ? [...current, column] : current);
    this.model.save_changes();
  }

  private clickRow(index: number, runId: string, range: boolean): void {
    let chosen = [...this.selected];
    if (range && this.lastClicked >= 0) {
      const [lo, hi] = [Math.min(this.lastClicked, index), Math.max(this.lastClicked, index)];
      for (let i = lo; i <= hi; i++) {
        const id = this.cell(i, 'run_id') as string | undefined;
        if (id !== undefined && !chosen.includes(id)) chosen.push(id);
      }
    } else if (chosen.includes(runId)) {
      chosen = chosen.filter((id) => id !== runId);
    } else {
      chosen.push(runId);
    }
    this.lastClicked = index;
    this.setSelection(chosen);
  }

  private setSelection(ids: string[]): void {
    this.selected = ids;
    this.model.set('selected_ids', ids);
    this.model.save_changes();
    this.draw();
  }

  private syncSelection(): void {
    this.selected = [...(this.model.get('selected_ids') ?? [])];
    this.draw();
  }

  private refresh(): void {
    if (this.refreshPending) return;
    this.refreshPending = true;
    this.refreshButton.disabled = true;
    this.model.send({ type: 'refresh' });
  }

  private autoRefresh(): void {
    const every: number = this.model.get('auto_refresh') ?? 0;
    if (every > 0 && !this.refreshPending && Date.now() - this.lastRefresh >= every * 1000) {
      this.refresh();
    }
  }
}

function render({ model, el }: RenderProps): () => void {
  const view = new RunTableView(model);
  return view.mount(el);
}

export default { render };
