// The baseline: cucumber with trivial TypeScript steps on the project's loader (ts-node/register, swc from
// the root tsconfig.json). Run from the repository root: --config bench/trivial/cucumber.js.
module.exports = {
  default: {
    requireModule: ['ts-node/register'],
    require: ['bench/trivial/steps/**/*.ts'],
    paths: ['bench/trivial/features/**/*.feature'],
    format: ['progress'],
    strict: true,
  },
};
