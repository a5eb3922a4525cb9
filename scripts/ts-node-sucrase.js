// A ts-node transpiler (transpile-only mode) backed by Sucrase: pure JavaScript, so nothing platform-
// specific to install (@swc/core's non-Linux binaries are not in the registry this project uses), and
// TypeScript's own transpileModule doubles the suite's start-up. Types are checked separately by
// `tsc --noEmit`; tsconfig's isolatedModules keeps per-file output safe.
//
// Output is cached on disk under node_modules/.cache, keyed by a hash of the source, Sucrase's version
// and the options, as babel-register does: Sucrase costs several ms per file until it is warm.
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { transform } = require('sucrase');
const SUCRASE_VERSION = require('sucrase/package.json').version;

const OPTIONS = { transforms: ['typescript', 'imports'], production: true };
const CACHE = process.env.EXCHANGE_SCENARIOS_TRANSPILE_CACHE ?? join(__dirname, '..', 'node_modules', '.cache', 'ts-node-sucrase');

function cacheFile(input, fileName) {
  const key = createHash('sha256').update(`${SUCRASE_VERSION}\0${JSON.stringify(OPTIONS)}\0${fileName}\0${input}`).digest('hex');
  return join(CACHE, `${key}.json`);
}

module.exports.create = function create() {
  let cacheUsable = CACHE !== 'off';
  return {
    transpile(input, { fileName }) {
      const file = cacheUsable ? cacheFile(input, fileName) : undefined;
      if (file) {
        try {
          return JSON.parse(readFileSync(file, 'utf8'));
        } catch {
          // not cached yet (or unreadable): transpile below
        }
      }
      const { code, sourceMap } = transform(input, { ...OPTIONS, filePath: fileName, sourceMapOptions: { compiledFilename: fileName } });
      const output = { outputText: code, sourceMapText: JSON.stringify(sourceMap) };
      if (file) {
        try {
          mkdirSync(CACHE, { recursive: true });
          // Written aside and renamed, so a parallel worker never reads half a file.
          const partial = `${file}.${process.pid}.tmp`;
          writeFileSync(partial, JSON.stringify(output));
          renameSync(partial, file);
        } catch {
          cacheUsable = false; // a read-only checkout: transpile every time
        }
      }
      return output;
    },
  };
};
