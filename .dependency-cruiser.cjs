/**
 * The import rules `npm run lint` holds the code to. Type-only imports count:
 * a circle through types still ties two modules' meanings together.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import circles, type-only imports included', from: {}, to: { circular: true } },
    {
      name: 'core-stands-alone',
      severity: 'error',
      comment: 'src/core returns results: it never imports the CLI, the rendering or the terminal libraries',
      from: { path: '^src/core/' },
      to: { path: ['^src/(cli|ui|commands)/', 'node_modules/(@oclif|listr2|cli-table3)/'] },
    },
    {
      name: 'ui-reads-core-types',
      severity: 'error',
      comment:
        'src/ui renders results: of src/core it imports types, and values only from notation.ts (how locations, rules and counts are written)',
      from: { path: '^src/ui/' },
      to: { path: '^src/core/', pathNot: '^src/core/notation\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ui-renders-only',
      severity: 'error',
      comment: 'src/ui renders what the core returns: it never imports commands or the CLI plumbing',
      from: { path: '^src/ui/' },
      to: { path: ['^src/(cli|commands)/'] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|\\.tools)/' },
  },
};
