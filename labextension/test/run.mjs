// Run the TypeScript unit tests (test/*.test.ts) with Node's own test runner: esbuild (the
// widgets' bundler) bundles each test file with what it imports into a temporary folder, then
// `node --test` runs the bundles. `jlpm test`; tests/widgets/test_typescript.py runs it too.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const names = (await readdir(here)).filter((name) => name.endsWith('.test.ts'));
const outdir = await mkdtemp(join(tmpdir(), 'nbtrack-ts-tests-'));
try {
  await build({
    entryPoints: names.map((name) => join(here, name)),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node18',
    logLevel: 'warning',
  });
  const bundles = names.map((name) => join(outdir, name.replace(/\.ts$/, '.mjs')));
  const result = spawnSync(process.execPath, ['--test', ...bundles], {
    stdio: 'inherit',
    env: { ...process.env, NBTRACK_LABEXTENSION: dirname(here) },
  });
  process.exitCode = result.status ?? 1;
} finally {
  await rm(outdir, { recursive: true, force: true });
}
