#!/usr/bin/env node
// Runs the engine's unit tests with Node's own test runner. Node 20 does not expand globs after --test,
// so the files are listed here; TypeScript is loaded by ts-node (transpile-only with Sucrase, see tsconfig.json).
const { readdirSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const dirs = ['packages/engine/test'];
const files = dirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(dir, f)),
);
if (files.length === 0) {
  console.error('no unit tests found under ' + dirs.join(', '));
  process.exit(1);
}
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
console.log(`unit tests on Node ${process.version}`);
const result = spawnSync(process.execPath, ['-r', 'ts-node/register', '--test', '--test-reporter=spec', ...selected], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
