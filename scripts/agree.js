#!/usr/bin/env node
// Compares two runs of the suite (cucumber's JSON reports) scenario by scenario: the same scenarios, each
// with the same outcome. Used by CI to show that in-process and OpenLDAP agree, not just that both passed.
//   node scripts/agree.js reports/results-in-process.json reports/results-openldap.json
'use strict';
const { readFileSync } = require('node:fs');

function outcomes(file) {
  const features = JSON.parse(readFileSync(file, 'utf8'));
  const out = new Map();
  for (const feature of features) {
    for (const element of feature.elements ?? []) {
      if (element.type !== 'scenario') continue;
      const statuses = (element.steps ?? []).map((s) => s.result?.status ?? 'unknown');
      const status = statuses.find((s) => s !== 'passed') ?? 'passed';
      out.set(`${feature.uri}:${element.line} ${element.name}`, status);
    }
  }
  return out;
}

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node scripts/agree.js <results-a.json> <results-b.json>');
  process.exit(2);
}
const left = outcomes(a);
const right = outcomes(b);
const differences = [];
for (const key of new Set([...left.keys(), ...right.keys()])) {
  const l = left.get(key) ?? 'not run';
  const r = right.get(key) ?? 'not run';
  if (l !== r) differences.push(`  ${key}: ${l} in ${a}, ${r} in ${b}`);
}
if (differences.length > 0) {
  console.error(`${differences.length} scenario(s) disagree:\n${differences.join('\n')}`);
  process.exit(1);
}
const passed = [...left.values()].filter((s) => s === 'passed').length;
console.log(`${left.size} scenarios agree (${passed} passed in both): ${a} and ${b}`);
