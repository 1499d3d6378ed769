// @ts-check
/**
 * Import boundaries of src/, checked by `npm run lint:deps` (part of `npm test`).
 *
 * Imports run one way, down the pipeline. LAYERS lists the modules of src/ lowest first; a module may
 * import itself and the modules of lower layers only, so a module never imports one of its own layer
 * (firestore/, bigcommerce/ and http/ stay independent of each other, and so do ingest/ and
 * category-sync/). A helper two modules share moves down to where both can import it.
 *
 * The sandbox (src/sandbox, the local BigCommerce stand-in) is not shipped code: nothing else in src/
 * imports it, and it imports nothing of the service beyond the foundation contracts (errors, error
 * codes, clock), so the service's behaviour can never leak into what it is tested against.
 *
 * test/unit/architecture/dependency-rules.test.ts feeds a seeded violation through these rules.
 */

/** Lowest first. Each entry is a folder (`src/x/`) or a top-level file (`src/x.ts`). */
const LAYERS = [
  // Foundation: the error-code registry, then the files every layer may use.
  ['src/error-codes.ts'],
  ['src/errors.ts', 'src/clock.ts', 'src/logger.ts', 'src/config.ts'],
  ['src/firestore/', 'src/bigcommerce/', 'src/http/'],
  ['src/rules/'],
  ['src/events/'],
  ['src/stores/'],
  ['src/ingest/', 'src/category-sync/'],
  // Webhook upkeep and the merchant app's API: independent of each other.
  ['src/webhooks/', 'src/app-api/'],
  // The HTTP edge, then the composition root, then the entry points that call both.
  ['src/app.ts'],
  ['src/services.ts'],
  ['src/main.ts', 'src/cli/'],
];

/** What the sandbox may import from the service: contracts, no behaviour. */
const SANDBOX_MAY_IMPORT = ['src/errors.ts', 'src/error-codes.ts', 'src/clock.ts'];

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pathRe = (m) => `^${escapeRe(m)}${m.endsWith('/') ? '' : '$'}`;
const anyOf = (ms) => ms.map(pathRe).join('|');

/** One rule per module: nothing from its own layer (but itself) or any layer above. */
const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((module) => {
    const forbidden = [...layer.filter((m) => m !== module), ...LAYERS.slice(i + 1).flat()];
    return {
      name: `layer:${module}`,
      comment: `${module} may import itself and lower layers only (layer ${i} of .dependency-cruiser.cjs LAYERS)`,
      severity: 'error',
      from: { path: pathRe(module) },
      to: { path: anyOf(forbidden) },
    };
  }),
).filter((r) => r.to.path !== '');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'An import cycle means two modules are one; merge them or move the shared part down.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'sandbox-not-imported',
      comment: 'The sandbox is a test stand-in and is not shipped: the service never imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/sandbox/' },
      to: { path: '^src/sandbox/' },
    },
    {
      name: 'sandbox-independent',
      comment: `The sandbox models BigCommerce on its own; it may import only ${SANDBOX_MAY_IMPORT.join(', ')} from the service.`,
      severity: 'error',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/', pathNot: `^src/sandbox/|${anyOf(SANDBOX_MAY_IMPORT)}` },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve (a typo, a moved file) would hide a boundary violation.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-test-code-in-src',
      comment: 'Shipped code never imports tests, scripts or tools.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts|tools)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type import up the pipeline is a dependency up the pipeline.
    tsPreCompilationDeps: true,
    // The code imports `./x.ts` (allowImportingTsExtensions); those resolve as written.
    enhancedResolveOptions: { extensions: ['.ts', '.js'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    exclude: { path: '\\.d\\.ts$' },
  },
};
