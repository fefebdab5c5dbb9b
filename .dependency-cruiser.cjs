/**
 * The import rules of design.md §2 for packages/server/src, plus: shared stays independent of server, and no
 * cycles. Run with `npm run lint:deps`; any violation fails it.
 */
const SERVER = '^packages/server/src/';
const layer = (name) => `${SERVER}${name}/`;
const entry = `${SERVER}(main|app)\\.ts$`;
const cliOrMain = `(${layer('cli')}|${SERVER}main\\.ts$)`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order and layering fragile. `import type` edges are erased at build '
        + '(verbatimModuleSyntax), so a cycle closed only by them is not one at runtime.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'http-not-to-adapters-or-root',
      severity: 'error',
      comment: 'http talks to core only; the composition root (cli/, main.ts) picks adapters.',
      from: { path: layer('http') },
      to: { path: [layer('store'), layer('blob'), cliOrMain] },
    },
    {
      name: 'core-not-to-outer-layers',
      severity: 'error',
      comment: 'core depends only on its own ports; adapters implement them.',
      from: { path: layer('core') },
      to: { path: [layer('store'), layer('blob'), layer('http'), cliOrMain, entry] },
    },
    {
      name: 'adapters-not-to-http-or-root',
      severity: 'error',
      comment: 'store/ and blob/ may use core ports and errors, never http or the composition root.',
      from: { path: `(${layer('store')}|${layer('blob')})` },
      to: { path: [layer('http'), cliOrMain, entry] },
    },
    {
      name: 'store-and-blob-independent',
      severity: 'error',
      comment: 'One adapter family does not reach into the other.',
      from: { path: layer('store') },
      to: { path: layer('blob') },
    },
    {
      name: 'blob-not-to-store',
      severity: 'error',
      from: { path: layer('blob') },
      to: { path: layer('store') },
    },
    {
      name: 'shared-not-to-server',
      severity: 'error',
      comment: 'shared is the base every package (server, web, sdk) builds on.',
      from: { path: '^packages/shared/' },
      to: { path: '^packages/(server|web|sdk)/' },
    },
    {
      name: 'web-only-to-shared',
      severity: 'error',
      comment: 'The web UI talks to the server over HTTP only; of the workspace it may import only shared.',
      from: { path: '^packages/web/' },
      to: { path: '^packages/(server|sdk)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
