import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HOSTNAME_TEMPLATE, hostnameHolder, hostnameTemplateProblem, routeHostname, routeHostnames, type RouteProtocol } from './hostname.ts';

const byDefault = { ingressDomain: 'models.example.com', hostnameTemplate: DEFAULT_HOSTNAME_TEMPLATE };
const dashed = { ingressDomain: 'models.example.com', hostnameTemplate: '{name}-{namespace}.{domain}' };
const at = (name: string, namespace: string, t: string, primary: RouteProtocol = 'http') => ({ name, namespace, creationTimestamp: `2026-01-01T00:00:0${t}Z`, primary });

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
  assert.deepEqual(hostnameHolder(a, [ab, a], dashed), { holder: 'c/a-b', hostname: 'a-b-c.models.example.com' });
  assert.equal(hostnameHolder(ab, [ab, a], dashed), undefined);
});

test('the earliest of several holds the hostname; a tie goes by namespace/name', () => {
  const first = at('a-b-c', 'd', '1');
  const second = at('a-b', 'c-d', '2');
  const third = at('a', 'b-c-d', '3');
  assert.equal(hostnameHolder(third, [third, second, first], dashed)?.holder, 'd/a-b-c');
  const x = at('a-b', 'c', '1');
  const y = at('a', 'b-c', '1');
  assert.equal(hostnameHolder(x, [x, y], dashed)?.holder, 'b-c/a');
  assert.equal(hostnameHolder(y, [x, y], dashed), undefined);
});

test('the protocol that is not the primary one answers on the template rendered for <name>-<protocol>', () => {
  assert.deepEqual(routeHostnames({ name: 'iris', namespace: 'ml' }, 'http', byDefault), { http: 'iris.ml.models.example.com', grpc: 'iris-grpc.ml.models.example.com' });
  assert.deepEqual(routeHostnames({ name: 'iris', namespace: 'ml' }, 'grpc', byDefault), { http: 'iris-http.ml.models.example.com', grpc: 'iris.ml.models.example.com' });
  // A one-label wildcard certificate (*.models.example.com) covers both.
  assert.deepEqual(routeHostnames({ name: 'iris', namespace: 'ml' }, 'http', dashed), { http: 'iris-ml.models.example.com', grpc: 'iris-grpc-ml.models.example.com' });
  // By default the gRPC hostnames of a-b in c and a in b-c differ too (`<name>-<namespace>-grpc` made them meet).
  assert.notEqual(routeHostnames({ name: 'a-b', namespace: 'c' }, 'http', byDefault).grpc, routeHostnames({ name: 'a', namespace: 'b-c' }, 'http', byDefault).grpc);
});

test('a gRPC hostname takes part in the rule: the later InferenceService whose plain hostname is another\'s gRPC one is refused, and the reverse', () => {
  // Default template: only within one namespace (iris's gRPC hostname is iris-grpc's plain one).
  const iris = at('iris', 'ml', '1');
  const irisGrpc = at('iris-grpc', 'ml', '2');
  assert.deepEqual(hostnameHolder(irisGrpc, [iris, irisGrpc], byDefault), { holder: 'ml/iris', hostname: 'iris-grpc.ml.models.example.com' });
  assert.equal(hostnameHolder(iris, [iris, irisGrpc], byDefault), undefined);
  const earlier = at('iris-grpc', 'ml', '1');
  const later = at('iris', 'ml', '2');
  assert.deepEqual(hostnameHolder(later, [earlier, later], byDefault), { holder: 'ml/iris-grpc', hostname: 'iris-grpc.ml.models.example.com' });
  // Dashed template, across namespaces; a gRPC-first one's REST hostname counts the same way.
  const x = at('a-b', 'c', '1');
  const y = at('a', 'b-grpc-c', '2');
  assert.deepEqual(hostnameHolder(y, [x, y], dashed), { holder: 'c/a-b', hostname: 'a-b-grpc-c.models.example.com' });
  const g = at('a-b', 'c', '1', 'grpc');
  const h = at('a', 'b-http-c', '2');
  assert.deepEqual(hostnameHolder(h, [g, h], dashed), { holder: 'c/a-b', hostname: 'a-b-http-c.models.example.com' });
  assert.equal(hostnameHolder(at('a', 'b-grpc-c', '2'), [g, h], dashed), undefined, 'a gRPC-first InferenceService claims no -grpc hostname');
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
