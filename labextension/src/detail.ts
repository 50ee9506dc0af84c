// A run's detail in a main-area tab: attributes, params, final metrics, tags, the %%track cell's
// source (copy, open the notebook), metric curves (the same chart function as nbtrack.compare)
// and artifacts with image previews. A running run refreshes with the live feed.
import { Clipboard } from '@jupyterlab/apputils';
import type { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import type { IArtifact, IRunDetail, NbtrackApi } from './api';
import { el } from '../shared/dom';
import { formatBytes, formatNumber } from '../shared/format';
import { runFacts, statusClass, table } from './format';
import type { LiveUpdates } from './live';
import { trackIcon } from './sidebar';
import { drawChart } from './vega';

const PREVIEW_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml'];
const MAX_PREVIEW_BYTES = 5 * 1024 * 1024;

export class RunDetailPanel extends Widget {
  constructor(
    private readonly _api: NbtrackApi,
    readonly runId: string,
    private readonly _commands: CommandRegistry,
    private readonly _live: LiveUpdates,
  ) {
    super();
    this.id = `nbtrack-run-${runId}`;
    this.addClass('nbtrack-Detail');
    this.title.label = runId.slice(0, 8);
    this.title.icon = trackIcon;
    this.title.closable = true;
    this.node.append(el('p', { cls: 'nbtrack-Loading', text: 'Loading…' }));
    this._live.changed.connect(this._onLiveChange, this);
  }

  async load(): Promise<void> {
    let detail: IRunDetail;
    try {
      detail = await this._api.run(this.runId);
    } catch (error) {
      this.node.replaceChildren(el('p', { cls: 'nbtrack-Error', text: String((error as Error).message) }));
      return;
    }
    this._running = detail.run.status === 'RUNNING';
    this.title.label = detail.run.run_name ?? this.runId.slice(0, 8);
    this.title.caption = `nbtrack run ${this.runId}`;
    this._freeViews();
    this.node.replaceChildren(...this._sections(detail));
    void this._drawCurves(detail);
    void this._previewImages(detail.artifacts);
  }

  dispose(): void {
    this._live.changed.disconnect(this._onLiveChange, this);
    this._freeViews();
    super.dispose();
  }

  private _onLiveChange(): void {
    if (this._running) {
      void this.load();
    }
  }

  private _sections(detail: IRunDetail): HTMLElement[] {
    const run = detail.run;
    const userTags = Object.entries(detail.tags).filter(([key]) => !key.startsWith('nbtrack.'));
    const toolTags = Object.entries(detail.tags).filter(([key]) => key.startsWith('nbtrack.'));
    const sections = [
      el(
        'header',
        { cls: 'nbtrack-Detail-header' },
        el('span', { cls: statusClass(run.status), title: run.status }),
        el('h1', { text: run.run_name ?? run.run_id }),
        el('span', { cls: 'nbtrack-Badge', text: run.status, attrs: { 'data-status': run.status } }),
      ),
      table(runFacts(run), 'nbtrack-kv nbtrack-Facts'),
    ];
    if (run.error) {
      sections.push(section('Error', el('pre', { cls: 'nbtrack-Traceback', text: run.error })));
    }
    sections.push(
      section('Params', table(Object.entries(detail.params))),
      section('Metrics', table(Object.entries(detail.metrics).map(([k, v]) => [k, formatNumber(v)]))),
      section('Tags', table(userTags), toolTags.length ? details('nbtrack tags', table(toolTags)) : null),
    );
    if (detail.source !== null) {
      sections.push(this._source(detail));
    }
    if (detail.metric_keys.length) {
      this._curves = el('div', { cls: 'nbtrack-Chart', attrs: { 'data-chart': 'curves' } });
      sections.push(section('Metric curves', this._curves));
    }
    if (detail.artifacts.length) {
      sections.push(section('Artifacts', this._artifacts(detail.artifacts)));
    }
    return sections;
  }

  private _source(detail: IRunDetail): HTMLElement {
    const copy = el('button', { cls: 'jp-mod-styled nbtrack-Copy', text: 'Copy' });
    copy.addEventListener('click', () => {
      Clipboard.copyToSystem(detail.source ?? '');
      copy.textContent = 'Copied';
    });
    const open = el('button', { cls: 'jp-mod-styled nbtrack-OpenNotebook', text: 'Open notebook' });
    const target = detail.notebook?.server_path;
    open.disabled = !target;
    open.title = detail.notebook ? detail.notebook.path : 'the run did not record its notebook';
    open.addEventListener('click', () => {
      if (target) {
        void this._commands.execute('docmanager:open', { path: target });
      }
    });
    return section(
      'Cell source',
      el('div', { cls: 'nbtrack-Actions' }, copy, open),
      el('pre', { cls: 'nbtrack-Source' }, el('code', { text: detail.source ?? '' })),
    );
  }

  private async _drawCurves(detail: IRunDetail): Promise<void> {
    const host = this._curves;
    if (!host) {
      return;
    }
    try {
      const comparison = await this._api.compare([detail.run.run_id]);
      const curves = comparison.charts.find((chart) => chart.id === 'curves');
      if (curves && host.isConnected) {
        this._views.push(await drawChart(host, curves.spec));
      }
    } catch (error) {
      host.textContent = `Cannot draw the curves: ${(error as Error).message}`;
    }
  }

  private _artifacts(artifacts: IArtifact[]): HTMLElement {
    const list = el('ul', { cls: 'nbtrack-Artifacts' });
    for (const artifact of artifacts) {
      const save = el('button', { cls: 'jp-mod-styled nbtrack-Download', text: 'Download' });
      save.addEventListener('click', () => void this._download(artifact));
      const item = el(
        'li',
        { attrs: { 'data-path': artifact.path } },
        el('span', { cls: 'nbtrack-Artifact-path', text: artifact.path }),
        el('span', { cls: 'nbtrack-Artifact-size', text: formatBytes(artifact.size) }),
        save,
      );
      list.append(item);
    }
    return list;
  }

  private async _previewImages(artifacts: IArtifact[]): Promise<void> {
    for (const artifact of artifacts) {
      if (!PREVIEW_TYPES.includes(artifact.media_type ?? '') || artifact.size > MAX_PREVIEW_BYTES) {
        continue;
      }
      const item = this.node.querySelector(`.nbtrack-Artifacts li[data-path="${CSS.escape(artifact.path)}"]`);
      try {
        const url = this._blobUrl(await this._api.artifact(this.runId, artifact.sha256));
        item?.append(el('img', { cls: 'nbtrack-Preview', attrs: { src: url, alt: artifact.path } }));
      } catch {
        // a preview is a nicety: the download button still says what went wrong
      }
    }
  }

  private async _download(artifact: IArtifact): Promise<void> {
    const url = this._blobUrl(await this._api.artifact(this.runId, artifact.sha256));
    const link = el('a', { attrs: { href: url, download: artifact.path.split('/').pop() ?? 'artifact' } });
    document.body.append(link);
    link.click();
    link.remove();
  }

  private _blobUrl(blob: Blob): string {
    const url = URL.createObjectURL(blob);
    this._urls.push(url);
    return url;
  }

  private _freeViews(): void {
    for (const free of this._views.splice(0)) {
      free();
    }
    for (const url of this._urls.splice(0)) {
      URL.revokeObjectURL(url);
    }
    this._curves = null;
  }

  private _running = false;
  private _curves: HTMLDivElement | null = null;
  private _views: (() => void)[] = [];
  private _urls: string[] = [];
}

/** A titled block of the detail view (``data-section`` is the title in kebab case). */
export function section(title: string, ...children: (Node | null)[]): HTMLElement {
  const name = title.toLowerCase().replace(/\s+/g, '-');
  return el(
    'section',
    { cls: 'nbtrack-Section', attrs: { 'data-section': name } },
    el('h2', { text: title }),
    ...children,
  );
}

function details(summary: string, ...children: Node[]): HTMLElement {
  return el('details', { cls: 'nbtrack-ToolTags' }, el('summary', { text: summary }), ...children);
}
