// Profiles: `ci` (npm test: every feature, progress output), `scenarios` (npm run scenarios: a report
// under reports/), `random` (any order, to prove scenarios are isolated). Select an area with --tags.
const common = {
  requireModule: ['ts-node/register'],
  require: ['support/**/*.ts', 'steps/**/*.ts'],
  formatOptions: { snippetInterface: 'async-await' },
  strict: true,
  // @live scenarios read a forest someone else built (the live profile; scripts/live-on-slapd.ts): not the others'.
  tags: 'not @live',
};

module.exports = {
  default: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt'] },
  // Each run also writes its results as JSON, so scripts/agree.js can compare two environments scenario by scenario.
  ci: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt', 'json:reports/results-in-process.json'], order: 'defined' },
  // The same suite on a real OpenLDAP server (Debian's slapd, started and stopped by the run).
  openldap: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt', 'json:reports/results-openldap.json'], order: 'defined', worldParameters: { environment: 'openldap' } },
  // The same slapd in a container (testcontainers, Docker or Podman); where no container runtime answers, the run fails saying so.
  containers: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt', 'json:reports/results-containers.json'], order: 'defined', worldParameters: { environment: 'containers' } },
  // A real forest, read-only (environments/live.ts): only the @live expectations, which declare nothing.
  live: { ...common, tags: '@live', format: ['progress', 'json:reports/results-live.json'], order: 'defined', worldParameters: { environment: 'live' } },
  random: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt'], order: 'random' },
  scenarios: {
    ...common,
    format: ['summary', './support/formatters/closest-step.js:reports/undefined-steps.txt', 'html:reports/scenarios.html', 'json:reports/scenarios.json'],
  },
};
