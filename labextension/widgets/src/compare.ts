/**
 * The comparison widget: tabs over charts that Python builds (nbtrack.charts) and sends as
 * a Vega-Lite spec plus Arrow rows. Controls change `settings`; Python answers with `chart`.
 */
import { diffTable, type ParamDiff } from '../../shared/diff';
import { drawChart, type ChartPayload } from './chart';
import { element, listen, type AnyModel, type RenderProps } from './model';
import { columnLabel } from './format';

type Settings = Record<string, Record<string, unknown>>;
type Options = Record<string, string[]>;

class CompareView {
  private root = element('div', 'nbt-widget nbt-compare');
  private titleBar = element('div', 'nbt-title');
  private tabs = element('div', 'nbt-tabs');
  private controls = element('div', 'nbt-controls');
  private host = element('div', 'nbt-chart');
  private finalize: (() => void) | null = null;
  private drawing = 0;

  constructor(private model: AnyModel) {
    this.root.append(this.titleBar, this.tabs, this.controls, this.host);
  }

  mount(el: HTMLElement): () => void {
    el.appendChild(this.root);
    const stop = listen(this.model, {
      'change:view': () => this.show(),
      'change:chart': () => this.drawCurrent(),
      'change:settings': () => this.buildControls(),
      'change:diff': () => this.show(),
    });
    this.show();
    return () => {
      stop();
      this.finalize?.();
    };
  }

  private get view(): string {
    return this.model.get('view');
  }

  private show(): void {
    this.titleBar.textContent = this.model.get('title') ?? '';
    this.root.dataset.view = this.view;
    this.tabs.replaceChildren(
      ...(this.model.get('views') ?? []).map((tab: { id: string; title: string }) => {
        const button = element('button', 'nbt-tab', tab.title);
        button.dataset.view = tab.id;
        button.classList.toggle('nbt-active', tab.id === this.view);
        button.addEventListener('click', () => {
          this.model.set('view', tab.id);
          this.model.save_changes();
        });
        return button;
      }),
    );
    this.buildControls();
    if (this.view === 'params') this.drawDiff();
    else this.drawCurrent();
  }

  // -- controls ------------------------------------------------------------------------
  private buildControls(): void {
    const settings: Settings = this.model.get('settings') ?? {};
    const options: Options = this.model.get('options') ?? {};
    const mine = settings[this.view] ?? {};
    const parts: HTMLElement[] = [];
    const select = (key: string, label: string, choices: string[], blank = false) =>
      parts.push(this.select(key, label, choices, String(mine[key] ?? ''), blank));
    if (this.view === 'curves') {
      parts.push(this.metricBoxes(options.curve_metrics ?? [], (mine.metrics as string[] | undefined) ?? []));
      select('x', 'x', options.curve_x ?? ['step']);
      parts.push(this.slider('smoothing', Number(mine.smoothing ?? 0)));
      parts.push(this.checkbox('log_y', 'log y', Boolean(mine.log_y)));
      select('layout', 'layout', ['facet', 'dash']);
    } else if (this.view === 'scatter') {
      select('x', 'x', options.columns ?? []);
      select('y', 'y', options.columns ?? []);
      select('color', 'colour', options.columns ?? [], true);
    } else if (this.view === 'contour') {
      select('x', 'x', options.numeric?.filter((c) => c.startsWith('params.')) ?? []);
      select('y', 'y', options.numeric?.filter((c) => c.startsWith('params.')) ?? []);
      select('metric', 'metric', options.metrics ?? []);
    } else if (this.view === 'parallel' || this.view === 'importance') {
      select('metric', 'metric', options.metrics ?? []);
    }
    this.controls.replaceChildren(...parts);
  }

  private change(key: string, value: unknown): void {
    const settings: Settings = structuredClone(this.model.get('settings') ?? {});
    settings[this.view] = { ...(settings[this.view] ?? {}), [key]: value };
    this.host.classList.add('nbt-busy');
    this.model.set('settings', settings);
    this.model.save_changes();
  }

  private select(key: string, label: string, choices: string[], current: string, blank: boolean): HTMLElement {
    const wrap = element('label', '', `${label} `);
    const input = element('select');
    input.dataset.setting = key;
    for (const choice of blank ? ['', ...choices] : choices) {
      const option = element('option', '', choice ? columnLabel(choice) : '(none)');
      option.value = choice;
      option.title = choice;
      option.selected = choice === current;
      input.append(option);
    }
    input.addEventListener('change', () => this.change(key, input.value || null));
    wrap.append(input);
    return wrap;
  }

  private slider(key: string, current: number): HTMLElement {
    const wrap = element('label', '', 'smoothing ');
    const input = element('input');
    const shown = element('span', 'nbt-slider-value', current.toFixed(2));
    input.type = 'range';
    input.min = '0';
    input.max = '0.99';
    input.step = '0.01';
    input.value = String(current);
    input.dataset.setting = key;
    input.addEventListener('input', () => (shown.textContent = Number(input.value).toFixed(2)));
    input.addEventListener('change', () => this.change(key, Number(input.value)));
    wrap.append(input, shown);
    return wrap;
  }

  private checkbox(key: string, label: string, current: boolean): HTMLElement {
    const wrap = element('label');
    const input = element('input');
    input.type = 'checkbox';
    input.checked = current;
    input.dataset.setting = key;
    input.addEventListener('change', () => this.change(key, input.checked));
    wrap.append(input, document.createTextNode(` ${label}`));
    return wrap;
  }

  private metricBoxes(all: string[], chosen: string[]): HTMLElement {
    const wrap = element('span', 'nbt-metric-boxes');
    for (const metric of all) {
      const label = element('label');
      const input = element('input');
      input.type = 'checkbox';
      input.checked = chosen.includes(metric);
      input.dataset.metric = metric;
      input.addEventListener('change', () => {
        const next = all.filter((m) => (m === metric ? input.checked : chosen.includes(m)));
        this.change('metrics', next);
      });
      label.append(input, document.createTextNode(` ${metric}`));
      wrap.append(label);
    }
    return wrap;
  }

  // -- content -------------------------------------------------------------------------
  private drawDiff(): void {
    this.finalize?.();
    this.finalize = null;
    const diff: ParamDiff = this.model.get('diff') ?? { fields: [], runs: [], values: [] };
    if (!diff.fields.length) {
      this.host.replaceChildren(element('p', 'nbt-empty', 'These runs have the same params and tags.'));
      return;
    }
    this.host.replaceChildren(diffTable(diff, { table: 'nbt-diff', missing: 'nbt-missing' }));
  }

  private async drawCurrent(): Promise<void> {
    if (this.view === 'params') return;
    const payload: ChartPayload & { view?: string } = this.model.get('chart') ?? {};
    if (payload.view !== this.view) {
      this.host.classList.add('nbt-busy');
      this.host.replaceChildren(element('p', 'nbt-empty', 'drawing…'));
      return;
    }
    const token = ++this.drawing;
    this.host.classList.remove('nbt-busy');
    if (payload.error) {
      this.finalize?.();
      this.finalize = null;
      this.host.replaceChildren(element('pre', 'nbt-chart-error', payload.error));
      return;
    }
    const drawn = await drawChart(payload);
    if (token !== this.drawing) {
      drawn.finalize();
      return;
    }
    this.host.replaceChildren(drawn.element);
    this.finalize?.();
    this.finalize = drawn.finalize;
    this.host.dataset.drawn = this.view;
  }
}

function render({ model, el }: RenderProps): () => void {
  return new CompareView(model).mount(el);
}

export default { render };
