// Profiles: `ci` (npm test: every feature, progress output, JUnit XML for CI systems), `scenarios` (npm run
// scenarios: a progress bar, and under reports/ one HTML page with every scenario's path drawn as a sequence
// diagram, JSON, JUnit XML and the NDJSON message stream; docs/report.md), `random` (any order, to prove
// scenarios are isolated). Select an area with --tags.
const common = {
  requireModule: ['ts-node/register'],
  require: ['support/**/*.ts', 'steps/**/*.ts'],
  // CI systems show the JUnit suite's name: this project's, not cucumber's.
  formatOptions: { snippetInterface: 'async-await', junit: { suiteName: 'exchange-scenarios' } },
  strict: true,
  // @live scenarios read a forest someone else built (the live profile; scripts/live-on-slapd.ts): not the others'.
  tags: 'not @live',
};

module.exports = {
  default: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt'] },
  // Each run also writes its results as JSON, so scripts/agree.js can compare two environments scenario by scenario.
  ci: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt', 'json:reports/results-in-process.json', 'junit:reports/junit.xml'], order: 'defined' },
  // The same suite on a real OpenLDAP server (Debian's slapd, started and stopped by the run).
  openldap: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt', 'json:reports/results-openldap.json'], order: 'defined', worldParameters: { environment: 'openldap' } },
  // The same slapd in a container (testcontainers, Docker or Podman); where no container runtime answers, the run fails saying so.
  containers: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt', 'json:reports/results-containers.json'], order: 'defined', worldParameters: { environment: 'containers' } },
  // A real forest, read-only (environments/live.ts): only the @live expectations, which declare nothing.
  live: { ...common, tags: '@live', format: ['progress', 'json:reports/results-live.json'], order: 'defined', worldParameters: { environment: 'live' } },
  random: { ...common, format: ['progress', './support/formatters/closest-step.js:reports/undefined-steps.txt'], order: 'random' },
  scenarios: {
    ...common,
    format: [
      'progress-bar',
      './support/formatters/closest-step.js:reports/undefined-steps.txt',
      './support/formatters/report.js:reports/scenarios.html',
      'json:reports/scenarios.json',
      'junit:reports/junit.xml',
      'message:reports/messages.ndjson',
    ],
  },
};
