// Bundle each widget into one self-contained ESM file (anywidget loads a module from a
// string, so nothing may be imported at run time: Vega, Vega-Lite, vega-embed and
// apache-arrow are inside the bundles; no CDN is ever asked for anything).
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', '..', 'nbtrack', 'widgets', 'static');
const widgets = ['table', 'compare', 'live'].filter((name) => process.argv.length < 3 || process.argv.includes(name));

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: widgets.map((name) => join(here, 'src', `${name}.ts`)),
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});
await build({
  entryPoints: [join(here, 'src', 'widgets.css')],
  outfile: join(outdir, 'widgets.css'),
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
console.log(`nbtrack widgets built into ${outdir}: ${widgets.join(', ')}`);
