// A ts-node transpiler (transpile-only mode) backed by Sucrase: pure JavaScript, so nothing platform-
// specific to install, and fast to start — TypeScript's own transpileModule doubles the suite's start-up.
// Types are checked separately by `tsc --noEmit`; tsconfig's isolatedModules keeps per-file output safe.
const { transform } = require('sucrase');

module.exports.create = function create() {
  return {
    transpile(input, { fileName }) {
      const { code, sourceMap } = transform(input, {
        transforms: ['typescript', 'imports'],
        filePath: fileName,
        sourceMapOptions: { compiledFilename: fileName },
        production: true,
      });
      return { outputText: code, sourceMapText: JSON.stringify(sourceMap) };
    },
  };
};
