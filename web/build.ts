// `npm run build:web [-- OUTDIR]`: bundles the merchant app (React + BigDesign) into dist/web/app.js
// (or OUTDIR/app.js), which the service serves at /app/assets/app.js (src/app-api/app-shell.ts).
// One static file, no runtime CDN; React and BigDesign are devDependencies: the image ships the bundle.
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? join(root, 'dist/web'));
const result = await build({
  entryPoints: [join(root, 'web/src/main.tsx')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`web bundle: ${join(outDir, 'app.js')} (${Math.round(bytes / 1024)} KiB)\n`);
