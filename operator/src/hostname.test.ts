import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HOSTNAME_TEMPLATE, hostnameHolder, hostnameTemplateProblem, routeHostname } from './hostname.ts';

const byDefault = { ingressDomain: 'models.example.com', hostnameTemplate: DEFAULT_HOSTNAME_TEMPLATE };
const dashed = { ingressDomain: 'models.example.com', hostnameTemplate: '{name}-{namespace}.{domain}' };
const at = (name: string, namespace: string, t: string) => ({ name, namespace, creationTimestamp: `2026-01-01T00:00:0${t}Z` });

test('the default hostname is <name>.<namespace>.<domain>', () => {
  assert.equal(routeHostname({ name: 'iris', namespace: 'ml' }, byDefault), 'iris.ml.models.example.com');
});

test('a-b in c and a in b-c get different hostnames by default, and neither holds the other\'s', () => {
  const ab = at('a-b', 'c', '1');
  const a = at('a', 'b-c', '2');
  assert.notEqual(routeHostname(ab, byDefault), routeHostname(a, byDefault));
  assert.equal(hostnameHolder(a, [ab, a], byDefault), undefined);
});

test('with a dashed template the later of two colliding InferenceServices learns which one holds the hostname', () => {
  const ab = at('a-b', 'c', '1');
  const a = at('a', 'b-c', '2');
  assert.equal(routeHostname(ab, dashed), routeHostname(a, dashed));
  assert.equal(hostnameHolder(a, [ab, a], dashed), 'c/a-b');
  assert.equal(hostnameHolder(ab, [ab, a], dashed), undefined);
});

test('the earliest of several holds the hostname; a tie goes by namespace/name', () => {
  const first = at('a-b-c', 'd', '1');
  const second = at('a-b', 'c-d', '2');
  const third = at('a', 'b-c-d', '3');
  assert.equal(hostnameHolder(third, [third, second, first], dashed), 'd/a-b-c');
  const x = at('a-b', 'c', '1');
  const y = at('a', 'b-c', '1');
  assert.equal(hostnameHolder(x, [x, y], dashed), 'b-c/a');
  assert.equal(hostnameHolder(y, [x, y], dashed), undefined);
});

const templates: Array<[string, RegExp | undefined]> = [
  [DEFAULT_HOSTNAME_TEMPLATE, undefined],
  ['{name}-{namespace}.{domain}', undefined],
  ['{name}.{domain}', /must contain \{namespace\}/],
  ['{namespace}.{domain}', /must contain \{name\}/],
  ['{name}.{namespace}.{cluster}', /only the placeholders/],
  ['{name}_{namespace}.{domain}', /DNS name/],
];
for (const [template, problem] of templates) {
  test(`hostname template ${template}`, () => {
    const got = hostnameTemplateProblem(template);
    if (problem === undefined) assert.equal(got, undefined);
    else assert.match(got ?? '', problem);
  });
}
