// The nbtrack REST API (nbtrack/server/) as typed calls. ServerConnection adds Jupyter's
// token and XSRF headers and the base URL (JupyterHub's /user/<name>/ included).
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { ParamDiff } from '../shared/diff';
import type { WireNumber } from '../shared/format';

export type { WireNumber };

export const API_NAMESPACE = 'nbtrack/api';

export interface IExperiment {
  experiment_id: string;
  name: string;
  created_time: number | null;
  lifecycle_stage: string;
  runs: number;
  last_run_time: number | null;
}

export interface IRunSummary {
  run_id: string;
  run_name: string | null;
  experiment_id: string | null;
  experiment_name: string | null;
  status: string;
  start_time: number | null;
  end_time: number | null;
  duration: number | null;
  parent_run_id: string | null;
  user: string | null;
  metrics: Record<string, WireNumber>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface IRunPage {
  total: number;
  offset: number;
  limit: number;
  runs: IRunSummary[];
}

export interface IArtifact {
  path: string;
  size: number;
  media_type: string | null;
  sha256: string;
  logged_time: number | null;
}

export interface IRunDetail {
  run: IRunSummary & {
    lifecycle_stage: string;
    host: string | null;
    pid: number | null;
    error: string | null;
  };
  params: Record<string, string>;
  metrics: Record<string, WireNumber>;
  tags: Record<string, string>;
  metric_keys: { key: string; points: number; last_step: number }[];
  artifacts: IArtifact[];
  source: string | null;
  notebook: { path: string; server_path: string | null } | null;
}

export interface IChart {
  id: string;
  title: string;
  spec: Record<string, unknown>;
}

export interface IComparison {
  run_ids: string[];
  runs: { run_id: string; label: string; run_name: string | null; status: string }[];
  metrics: string[];
  diff: ParamDiff;
  charts: IChart[];
  stored_points: number;
}

export interface IVersion {
  version: string;
  runs: number;
  experiments: number;
}

export type Query = Record<string, string | number | string[] | undefined>;

/** An answer other than 2xx: the server's message, and the column of a filter parse error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Calls to one Jupyter server's nbtrack API. */
export class NbtrackApi {
  constructor(readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  /** The full URL of an API path with its query string (repeated keys for arrays). */
  url(path: string, query: Query = {}): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== '') {
          search.append(key, String(item));
        }
      }
    }
    const text = search.toString();
    return URLExt.join(this.settings.baseUrl, API_NAMESPACE, path) + (text ? `?${text}` : '');
  }

  async request(path: string, query: Query = {}, init: RequestInit = {}): Promise<Response> {
    const response = await ServerConnection.makeRequest(this.url(path, query), init, this.settings);
    if (!response.ok && response.status !== 304) {
      let message = response.statusText;
      let column: number | undefined;
      try {
        const body = await response.json();
        message = body.message ?? message;
        column = body.column;
      } catch {
        // not JSON (a proxy's error page): keep the status text
      }
      throw new ApiError(response.status, message, column);
    }
    return response;
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    const response = await this.request(path, query);
    return (await response.json()) as T;
  }

  experiments(): Promise<{ experiments: IExperiment[] }> {
    return this.get('experiments');
  }

  runs(query: {
    experiment?: string;
    filter?: string;
    order_by?: string;
    offset: number;
    limit: number;
  }): Promise<IRunPage> {
    return this.get('runs', query);
  }

  run(runId: string): Promise<IRunDetail> {
    return this.get(`runs/${encodeURIComponent(runId)}`);
  }

  compare(runIds: string[], options: { metric?: string[]; x?: string; smoothing?: number } = {}): Promise<IComparison> {
    return this.get('compare', { run_id: runIds, ...options });
  }

  version(): Promise<IVersion> {
    return this.get('version');
  }

  async deleteRun(runId: string): Promise<void> {
    await this.request(`runs/${encodeURIComponent(runId)}`, {}, { method: 'DELETE' });
  }

  /** An artifact's content (fetched with credentials, so it works with token-only logins too). */
  async artifact(runId: string, digest: string): Promise<Blob> {
    const response = await this.request(`runs/${encodeURIComponent(runId)}/artifacts/${digest}`);
    return response.blob();
  }
}
