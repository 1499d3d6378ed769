// `npm run build:web`: bundles the merchant app (React + BigDesign) into dist/web/app.js, which the
// service serves at /app/assets/app.js (src/app-api/app-shell.ts). One static file, no runtime CDN.
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const result = await build({
  entryPoints: [join(root, 'web/src/main.tsx')],
  outfile: join(root, 'dist/web/app.js'),
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
process.stdout.write(`web bundle: dist/web/app.js (${Math.round(bytes / 1024)} KiB)\n`);
