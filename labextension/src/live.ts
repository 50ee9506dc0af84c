// Live updates: the server's event stream (server-sent events read through fetch, so Jupyter's
// token header travels with it), with polling of /version (ETag, 304 while unchanged) as the
// fallback when a proxy will not stream.
import { ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';

import type { IVersion, NbtrackApi } from './api';

/** Seconds before reconnecting a dropped stream; after this many failures in a row, poll. */
const RECONNECT_MS = 2000;
const FAILURES_BEFORE_POLLING = 3;
const POLL_MS = 1000;

export type LiveMode = 'connecting' | 'stream' | 'polling' | 'stopped';

/** Emits the store's version each time it changes. */
export class LiveUpdates {
  constructor(private readonly _api: NbtrackApi) {}

  get changed(): ISignal<this, IVersion> {
    return this._changed;
  }

  get modeChanged(): ISignal<this, LiveMode> {
    return this._modeChanged;
  }

  get mode(): LiveMode {
    return this._mode;
  }

  get version(): IVersion | null {
    return this._version;
  }

  start(): void {
    if (this._abort) {
      return;
    }
    this._abort = new AbortController();
    void this._run(this._abort.signal);
  }

  stop(): void {
    this._abort?.abort();
    this._abort = null;
    this._setMode('stopped');
  }

  private async _run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      if (failures >= FAILURES_BEFORE_POLLING) {
        await this._poll(signal);
        return;
      }
      this._setMode('connecting');
      try {
        await this._stream(signal);
        failures = 0;
      } catch {
        failures += 1;
      }
      await sleep(RECONNECT_MS, signal);
    }
  }

  private async _stream(signal: AbortSignal): Promise<void> {
    const settings = this._api.settings;
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this._version) {
      headers['Last-Event-ID'] = this._version.version;
    }
    const response = await ServerConnection.makeRequest(
      this._api.url('events'),
      { headers, signal, cache: 'no-store' },
      settings,
    );
    if (!response.ok || !response.body) {
      throw new Error(`event stream answered ${response.status}`);
    }
    this._setMode('stream');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        this._frame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  private _frame(frame: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) {
        event = line.slice(6).trim();
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).trim());
      }
    }
    if (event === 'change' && data.length) {
      this._publish(JSON.parse(data.join('\n')) as IVersion);
    }
  }

  private async _poll(signal: AbortSignal): Promise<void> {
    this._setMode('polling');
    let etag = '';
    while (!signal.aborted) {
      try {
        const response = await ServerConnection.makeRequest(
          this._api.url('version'),
          { headers: etag ? { 'If-None-Match': etag } : {}, signal, cache: 'no-store' },
          this._api.settings,
        );
        if (response.status === 200) {
          etag = response.headers.get('ETag') ?? '';
          this._publish((await response.json()) as IVersion);
        }
      } catch {
        // the server restarts or the network blips: try again at the next tick
      }
      await sleep(POLL_MS, signal);
    }
  }

  private _publish(version: IVersion): void {
    if (this._version?.version === version.version) {
      return;
    }
    this._version = version;
    this._changed.emit(version);
  }

  private _setMode(mode: LiveMode): void {
    if (mode !== this._mode) {
      this._mode = mode;
      this._modeChanged.emit(mode);
    }
  }

  private _abort: AbortController | null = null;
  private _version: IVersion | null = null;
  private _mode: LiveMode = 'stopped';
  private _changed = new Signal<this, IVersion>(this);
  private _modeChanged = new Signal<this, LiveMode>(this);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
