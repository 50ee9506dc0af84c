// The helpers of shared/format.ts, and the point of having one module: the sidebar (src/) and
// the inline widgets (widgets/src/) write the same run's duration, numbers and times the same way.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  formatBytes,
  formatCount,
  formatDuration,
  formatFilterError,
  formatNumber,
  formatRelativeTime,
  formatTime,
} from '../shared/format';
import type { IRunDetail } from '../src/api';
import { runFacts } from '../src/format';
import { formatCell } from '../widgets/src/format';

// One table for both languages: nbtrack/_format.py's format_duration is tested on the same file.
const DURATIONS: [number, string][] = JSON.parse(
  readFileSync(join(process.env.NBTRACK_LABEXTENSION ?? process.cwd(), 'test', 'durations.json'), 'utf8'),
).cases;

test('durations read the same at every size, rounded half up to the unit shown', () => {
  assert.ok(DURATIONS.length > 20, 'test/durations.json has its cases');
  for (const [seconds, text] of DURATIONS) {
    assert.equal(formatDuration(seconds), text, `${seconds} s`);
  }
  for (const missing of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.equal(formatDuration(missing), '');
  }
});

test('numbers: integers whole, others to 4 significant digits, tiny and huge as exponents', () => {
  const cases: [Parameters<typeof formatNumber>[0], string][] = [
    [42, '42'],
    [0, '0'],
    [0.5, '0.5'],
    [0.91234, '0.9123'],
    [1000.4, '1000'],
    [-12.3456, '-12.35'],
    [0.00015, '1.5e-4'],
    [1234567.8, '1.235e+6'],
    [1e21, '1e+21'],
    ['NaN', 'NaN'],
    ['-Infinity', '-Infinity'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [null, ''],
  ];
  for (const [value, text] of cases) {
    assert.equal(formatNumber(value), text, String(value));
  }
});

test('times are local, zero-padded and sortable; relative times in words', () => {
  const ms = new Date(2026, 0, 6, 9, 4, 5).getTime();
  assert.equal(formatTime(ms), '2026-01-06 09:04:05');
  assert.equal(formatTime(null), '');
  const now = ms + 10_000_000;
  assert.equal(formatRelativeTime(now - 2_000, now), 'just now');
  assert.equal(formatRelativeTime(now - 3 * 60_000, now), '3 minutes ago');
  assert.equal(formatRelativeTime(now - 26 * 3_600_000, now), 'yesterday');
  assert.equal(formatRelativeTime(null, now), '');
});

test('sizes, counts and filter errors', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(12_800), '12.5 KB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GB');
  assert.equal(formatCount(1, 'run'), '1 run');
  assert.equal(formatCount(0, 'run'), '0 runs');
  assert.equal(formatCount(2001, 'run'), '2,001 runs');
  assert.equal(formatCount(2001), '2,001');
  assert.equal(
    formatFilterError('unexpected end', 'metrics.acc >', 14),
    'unexpected end (column 14)\nmetrics.acc >\n             ^',
  );
  assert.equal(formatFilterError('store busy', 'x', null), 'store busy');
});

function run(overrides: Partial<IRunDetail['run']>): IRunDetail['run'] {
  return {
    run_id: 'a1b2c3d4e5f6',
    run_name: 'rf-1',
    experiment_id: '1',
    experiment_name: 'iris',
    status: 'FINISHED',
    start_time: new Date(2026, 11, 6, 21, 14, 33).getTime(),
    end_time: null,
    duration: 65.5,
    parent_run_id: null,
    user: 'ada',
    metrics: {},
    params: {},
    tags: {},
    lifecycle_stage: 'active',
    host: 'lab',
    pid: 1,
    error: null,
    ...overrides,
  };
}

test("the sidebar's run detail and the widgets' run table write a run the same way", () => {
  for (const [seconds] of DURATIONS.filter(([seconds]) => seconds >= 0)) {
    const facts = new Map(runFacts(run({ duration: seconds })));
    assert.equal(facts.get('duration'), formatCell('duration', seconds), `${seconds} s`);
  }
  const started = run({}).start_time;
  assert.equal(new Map(runFacts(run({}))).get('started'), formatCell('start_time', started));
  assert.equal(new Map(runFacts(run({}))).get('duration'), '1 min 06 s');
  assert.equal(new Map(runFacts(run({ status: 'RUNNING' }))).get('duration'), 'running');
  for (const value of [0.91234, 1000.4, 0.00015, 42]) {
    // the sidebar writes metrics with formatNumber (runlist.ts, detail.ts)
    assert.equal(formatCell('metrics.accuracy', value), formatNumber(value));
  }
});

const FORMATTING =
  /\.(toFixed|toPrecision|toExponential|toLocaleString|toLocaleDateString|toLocaleTimeString)\([^)]*\)|Intl\./;
// a control's readout, not a value of a run: the smoothing slider shows its position as 0.00-0.99
const ALLOWED = ['widgets/src/compare.ts .toFixed(2)'];

test('no view formats numbers, durations or times itself: all of it is in shared/format.ts', () => {
  const root = process.env.NBTRACK_LABEXTENSION ?? process.cwd();
  const found: string[] = [];
  for (const folder of ['src', 'widgets/src']) {
    for (const name of readdirSync(join(root, folder)).filter((n) => n.endsWith('.ts'))) {
      for (const line of readFileSync(join(root, folder, name), 'utf8').split('\n')) {
        const call = FORMATTING.exec(line)?.[0];
        if (call && !ALLOWED.includes(`${folder}/${name} ${call}`)) {
          found.push(`${folder}/${name}: ${line.trim()}`);
        }
      }
    }
  }
  assert.deepEqual(found, [], 'format with a helper of shared/format.ts instead');
});
