// The shipped alerting rules (packaging/dualroot.rules.yml) and promtool rule tests against them:
// for each state, every rule is tested, with the alerts expected for it and none for the others.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type AlertRule, expectedAlert, promtool } from './promtool.js';

/** The rules file as shipped. */
export const RULES = join(import.meta.dirname, '../../packaging/dualroot.rules.yml');

/** Its rules by alert name. */
export const rules = new Map<string, AlertRule>(
  (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups
    .flatMap((g) => g.rules)
    .map((r) => [r.alert, r]),
);

/** The labels Prometheus adds when it scrapes node_exporter. */
export const SCRAPE = { instance: 'host-a:9100', job: 'node' };

/** An alert expected in a state: the rule and the labels of the series that raises it. */
export type Firing = [alert: string, labels?: Record<string, string>];

/** One alert_rule_test per rule at this time: the firings listed for it, none for the others. */
export function alertTests(evalTime: string, firing: Firing[]) {
  return [...rules.values()].map((rule) => ({
    eval_time: evalTime,
    alertname: rule.alert,
    exp_alerts: firing
      .filter(([alert]) => alert === rule.alert)
      .map(([, labels]) => expectedAlert(rule, { ...labels, ...SCRAPE })),
  }));
}

/** Writes a promtool rule-test file and runs it. */
export async function testRules(dir: string, name: string, tests: object[]) {
  const file = join(dir, `${name}.test.json`);
  // JSON is YAML: promtool reads it as its test file format.
  writeFileSync(file, JSON.stringify({ rule_files: [RULES], evaluation_interval: '1m', tests }));
  return promtool(['test', 'rules', file]);
}
