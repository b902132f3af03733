/**
 * The direction of imports of DESIGN.md section 2, enforced by `npm run lint`.
 * Each folder lists the folders it may import; everything else is forbidden. Across folders only a
 * folder's index.ts may be imported. Nothing imports cli/. No cycles. Analyzers do no I/O.
 */
const allowed = {
  core: [],
  har: ['core'],
  capture: ['har', 'core', 'schemas'],
  analyzers: ['har', 'core'],
  model: ['analyzers', 'core', 'schemas'],
  replay: ['model', 'har', 'core'],
  reports: ['model', 'replay', 'core'],
  schemas: [],
  connectors: ['core', 'replay', 'schemas'],
  ledger: ['core', 'schemas'],
  server: ['ledger', 'core', 'schemas'],
  sandbox: ['core', 'schemas'],
  cli: [
    'core',
    'har',
    'capture',
    'analyzers',
    'model',
    'replay',
    'reports',
    'schemas',
    'connectors',
    'ledger',
    'server',
    'sandbox',
  ],
};
const folders = Object.keys(allowed);
// Node built-ins that do I/O; kept in the graph (see includeOnly) so the analyzers rule can see them.
const ioModules = '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|child_process|worker_threads)$';

const directionRules = folders.map((from) => {
  const forbidden = folders.filter((to) => to !== from && !allowed[from].includes(to));
  return {
    name: `module-map-${from}`,
    comment: `${from}/ may import only: ${allowed[from].join(', ') || 'node builtins and packages'} (DESIGN.md section 2)`,
    severity: 'error',
    from: { path: `^${from}/` },
    to: { path: `^(${forbidden.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    ...directionRules,
    {
      name: 'index-only-across-folders',
      comment: "Across folders, import only a folder's index.ts (DESIGN.md section 2).",
      severity: 'error',
      from: { path: `^(${folders.join('|')})/` },
      to: {
        path: `^(${folders.join('|')})/`,
        pathNot: [`^$1/`, `^(${folders.join('|')})/index\\.ts$`, '^schemas/'],
      },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      from: { pathNot: '^cli/' },
      to: { path: '^cli/' },
    },
    {
      name: 'analyzers-are-pure',
      comment: 'Analyzers do no I/O: no fs, net, http or child processes (DESIGN.md convention 4).',
      severity: 'error',
      from: { path: '^analyzers/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|child_process|worker_threads)$',
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'sandbox-and-connectors-stay-apart',
      comment:
        'The sandbox and the client implement the contract independently; a shared parser would make tests prove nothing.',
      severity: 'error',
      from: { path: '^sandbox/' },
      to: { path: '^connectors/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^index\\.ts$', `^(${folders.join('|')})/`, ioModules],
    exclude: { path: '^(node_modules|dist|test|bench|scripts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
