// The baseline: cucumber with trivial TypeScript steps on the project's loader (ts-node/register, transpile-only from
// the root tsconfig.json). Run from the repository root: --config bench/trivial/cucumber.js.
// Profiles: `default` (the features under features/), `generated` (what bench/run.ts generates: as many
// scenarios as the suite's @redirection features).
const common = {
  requireModule: ['ts-node/register'],
  require: ['bench/trivial/steps/**/*.ts'],
  format: ['progress'],
  strict: true,
};

module.exports = {
  default: { ...common, paths: ['bench/trivial/features/**/*.feature'] },
  generated: { ...common, paths: ['bench/trivial/generated/**/*.feature'] },
};
