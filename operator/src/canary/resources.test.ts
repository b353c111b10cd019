import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import type { PredictorSpec } from '../api/types.ts';
import { buildGrpcRoute } from './grpcroute.ts';
import { buildHttpRoute } from './httproute.ts';
import type { PlannedRevision } from './plan.ts';
import { readRevisionSpec, REVISION_LABEL, revisionName } from './revision.ts';
import { buildRevisionDeployment, buildRevisionHpa, buildRevisionService, buildSharedService } from './revision-resources.ts';
import { buildVirtualService } from './virtualservice.ts';

const config = DEFAULT_BUILD_CONFIG;
function revision(predictor: Partial<PredictorSpec>, percent: number, latest: boolean, scaling?: Partial<PredictorSpec>): PlannedRevision {
  const spec = defaulted(predictor).spec.predictor;
  return { name: revisionName('iris', spec), spec, scaling: scaling === undefined ? spec : defaulted(scaling).spec.predictor, percent, latest, ready: true };
}
const isvc = defaulted({});
const v1 = revision({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/v1.onnx' } }, 90, false);
const v2 = revision({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/v2.onnx' }, canaryTrafficPercent: 10, minReplicas: 1, maxReplicas: 4 }, 10, true);

test('a revision Deployment is named, labelled and selected by its revision and records its spec', () => {
  const d = buildRevisionDeployment(isvc.metadata, v2, config);
  assert.equal(d.metadata!.name, v2.name);
  assert.equal(d.spec!.selector.matchLabels![REVISION_LABEL], v2.name);
  assert.equal(d.spec!.template.metadata!.labels![REVISION_LABEL], v2.name);
  assert.equal(d.metadata!.labels![REVISION_LABEL], v2.name);
  const recorded = readRevisionSpec(d.metadata!.annotations)!;
  assert.equal(recorded.model.storageUri, 's3://m/v2.onnx');
  assert.equal(recorded.canaryTrafficPercent, undefined, 'the percent is not part of a revision');
  assert.equal(revisionName('iris', recorded), v2.name, 'the recorded spec maps back to the revision');
  assert.equal(d.spec!.replicas, undefined, 'an autoscaled revision leaves replicas to its HPA');
  assert.ok(d.spec!.template.spec!.containers[0]!.args!.includes('s3://m/v2.onnx') || d.spec!.template.spec!.initContainers![0]!.args!.includes('s3://m/v2.onnx'));
});

test('each revision scales on its own: an HPA per revision with the spec bounds, none when replicas are fixed', () => {
  const hpa = buildRevisionHpa(isvc.metadata, v2)!;
  assert.equal(hpa.metadata!.name, v2.name);
  assert.equal(hpa.spec!.scaleTargetRef.name, v2.name);
  assert.equal(hpa.spec!.maxReplicas, 4);
  assert.equal(buildRevisionHpa(isvc.metadata, v1), undefined);
  const fixed = { ...v2, scaling: { ...v2.spec, minReplicas: 3, maxReplicas: undefined } };
  assert.equal(buildRevisionHpa(isvc.metadata, fixed), undefined);
  assert.equal(buildRevisionDeployment(isvc.metadata, fixed, config).spec!.replicas, 3);
});

test('a revision Service reaches that revision only; the shared Service selects the revisions with a share', () => {
  const svc = buildRevisionService(isvc.metadata, v1);
  assert.equal(svc.metadata!.name, v1.name);
  assert.equal(svc.spec!.selector![REVISION_LABEL], v1.name);
  const podLabels = buildRevisionDeployment(isvc.metadata, v1, config).spec!.template.metadata!.labels!;
  for (const [k, v] of Object.entries(svc.spec!.selector!)) assert.equal(podLabels[k], v);
  const one = buildSharedService(isvc, [v1.name]);
  assert.equal(one.metadata!.name, 'iris');
  assert.equal(one.spec!.selector![REVISION_LABEL], v1.name);
  const both = buildSharedService(isvc, [v1.name, v2.name]);
  assert.equal(both.spec!.selector![REVISION_LABEL], undefined);
  for (const r of [v1, v2]) {
    const labels = buildRevisionDeployment(isvc.metadata, r, config).spec!.template.metadata!.labels!;
    for (const [k, v] of Object.entries(both.spec!.selector!)) assert.equal(labels[k], v, `selects ${r.name}`);
  }
});

test('the HTTPRoute attaches to the configured Gateway with weighted per-revision backends and tag rules', () => {
  const route = buildHttpRoute(isvc, [v1, v2], config.traffic);
  assert.equal(route.apiVersion, 'gateway.networking.k8s.io/v1');
  assert.equal(route.metadata!.name, 'iris');
  assert.deepEqual(route.spec.parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'modelship-gateway', namespace: 'modelship-system' }]);
  assert.deepEqual(route.spec.hostnames, ['iris.ml.example.com']);
  const split = route.spec.rules.at(-1)!;
  assert.deepEqual(split.backendRefs.map((b) => [b.name, b.weight, b.port]), [[v1.name, 90, 80], [v2.name, 10, 80]]);
  const latest = route.spec.rules.find((r) => r.matches[0]!.headers?.[0]?.value === 'latest')!;
  assert.deepEqual(latest.backendRefs.map((b) => b.name), [v2.name]);
  assert.equal(route.metadata!.ownerReferences![0]!.uid, 'uid-iris');
});

test('the VirtualService routes the Service host by weight to the revision Services', () => {
  const vs = buildVirtualService(isvc, [v1, v2], { ...config.traffic, istioGateways: ['istio-system/ingress'] }, 'cluster.local');
  assert.deepEqual(vs.spec.hosts, ['iris.ml.svc.cluster.local', 'iris.ml.example.com', 'iris-grpc.ml.example.com']);
  assert.deepEqual(vs.spec.gateways, ['mesh', 'istio-system/ingress']);
  // Another InferenceService holds the hostname: in-mesh routing only.
  const held = buildVirtualService(isvc, [v1, v2], { ...config.traffic, istioGateways: ['istio-system/ingress'] }, 'cluster.local', false);
  assert.deepEqual([held.spec.hosts, held.spec.gateways], [['iris.ml.svc.cluster.local'], ['mesh']]);
  const split = vs.spec.http.at(-1)!;
  assert.deepEqual(split.route.map((r) => [r.destination.host, r.weight]), [[`${v1.name}.ml.svc.cluster.local`, 90], [`${v2.name}.ml.svc.cluster.local`, 10]]);
  // Nothing ready: one destination without weight (Istio requires weights to sum to 100).
  const none = buildVirtualService(isvc, [{ ...v1, percent: 0 }], config.traffic, 'cluster.local');
  assert.deepEqual(none.spec.http.at(-1)!.route, [{ destination: { host: `${v1.name}.ml.svc.cluster.local`, port: { number: 80 } } }]);
  assert.deepEqual(none.spec.gateways, ['mesh']);
});

test('the GRPCRoute splits gRPC with the same weights and tags over the revisions\' grpc ports, on its own hostname', () => {
  const route = buildGrpcRoute(isvc, [v1, v2], config.traffic);
  assert.equal(route.kind, 'GRPCRoute');
  assert.equal(route.apiVersion, 'gateway.networking.k8s.io/v1');
  assert.equal(route.metadata!.name, 'iris');
  assert.deepEqual(route.spec.parentRefs, buildHttpRoute(isvc, [v1, v2], config.traffic).spec.parentRefs);
  assert.deepEqual(route.spec.hostnames, ['iris-grpc.ml.example.com'], 'an HTTPRoute and a GRPCRoute may not share a hostname');
  // The administrator's template shapes the gRPC hostname as it does the REST one.
  const dashed = { ...config.traffic, hostnameTemplate: '{name}-{namespace}.{domain}' };
  assert.deepEqual([buildHttpRoute(isvc, [v1, v2], dashed).spec.hostnames, buildGrpcRoute(isvc, [v1, v2], dashed).spec.hostnames], [['iris-ml.example.com'], ['iris-grpc-ml.example.com']]);
  const split = route.spec.rules.at(-1)!;
  assert.equal(split.matches, undefined, 'the split takes every method');
  assert.deepEqual(split.backendRefs.map((b) => [b.name, b.weight, b.port]), [[v1.name, 90, 8081], [v2.name, 10, 8081]]);
  const latest = route.spec.rules.find((r) => r.matches?.[0]?.headers[0]?.value === 'latest')!;
  assert.deepEqual(latest.backendRefs.map((b) => b.name), [v2.name]);
  assert.equal(route.metadata!.ownerReferences![0]!.uid, 'uid-iris');
});

test('with protocolVersion grpc-v2 the GRPCRoute takes the plain hostname and port 80; REST moves to <name>-http and 8080', () => {
  const grpcFirst = (r: PlannedRevision): PlannedRevision => ({ ...r, spec: { ...r.spec, model: { ...r.spec.model, protocolVersion: 'grpc-v2' } } });
  const g = defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/v2.onnx', protocolVersion: 'grpc-v2' } });
  const [a, b] = [grpcFirst(v1), grpcFirst(v2)];
  const grpc = buildGrpcRoute(g, [a, b], config.traffic);
  assert.deepEqual(grpc.spec.hostnames, ['iris.ml.example.com']);
  assert.deepEqual(grpc.spec.rules.at(-1)!.backendRefs.map((r) => r.port), [80, 80]);
  const http = buildHttpRoute(g, [a, b], config.traffic);
  assert.deepEqual(http.spec.hostnames, ['iris-http.ml.example.com']);
  assert.deepEqual(http.spec.rules.at(-1)!.backendRefs.map((r) => r.port), [8080, 8080]);
  // Mid-rollout from REST-first to gRPC-first: each backend uses its own revision's port.
  assert.deepEqual(buildGrpcRoute(g, [v1, b], config.traffic).spec.rules.at(-1)!.backendRefs.map((r) => r.port), [8081, 80]);
});

test('the VirtualService routes the gRPC port by the same weights, matched by port, before the primary routes', () => {
  const vs = buildVirtualService(isvc, [v1, v2], config.traffic, 'cluster.local');
  assert.deepEqual(vs.spec.http.map((r) => r.name), ['grpc-prev', 'grpc-latest', 'grpc-split', 'prev', 'latest', 'split']);
  const grpcSplit = vs.spec.http[2]!;
  assert.deepEqual(grpcSplit.match, [{ port: 8081 }]);
  assert.deepEqual(grpcSplit.route.map((r) => [r.destination.host, r.destination.port.number, r.weight]), [[`${v1.name}.ml.svc.cluster.local`, 8081, 90], [`${v2.name}.ml.svc.cluster.local`, 8081, 10]]);
  assert.deepEqual(vs.spec.http[1]!.match, [{ port: 8081, headers: { 'x-modelship-revision': { exact: 'latest' } } }]);
  assert.deepEqual(vs.spec.http.at(-1)!.route.map((r) => r.destination.port.number), [80, 80]);
});

test('through Istio gateways gRPC answers on its own hostname from the template, routed to the grpc ports; held hostnames stay in the mesh', () => {
  const traffic = { ...config.traffic, istioGateways: ['istio-system/ingress'], hostnameTemplate: '{name}-{namespace}.{domain}' };
  const vs = buildVirtualService(isvc, [v1, v2], traffic, 'cluster.local');
  assert.deepEqual(vs.spec.hosts, ['iris.ml.svc.cluster.local', 'iris-ml.example.com', 'iris-grpc-ml.example.com']);
  const onHost = [{ authority: { exact: 'iris-grpc-ml.example.com' } }, { authority: { prefix: 'iris-grpc-ml.example.com:' } }];
  const grpcSplit = vs.spec.http.find((r) => r.name === 'grpc-split')!;
  assert.deepEqual(grpcSplit.match, [{ port: 8081 }, ...onHost]);
  assert.deepEqual(grpcSplit.route.map((r) => [r.destination.port.number, r.weight]), [[8081, 90], [8081, 10]]);
  const latest = vs.spec.http.find((r) => r.name === 'grpc-latest')!;
  assert.deepEqual(latest.match, [{ port: 8081 }, ...onHost].map((m) => ({ ...m, headers: { 'x-modelship-revision': { exact: 'latest' } } })));
  // The primary's routes still take the plain hostname (no match: everything left).
  assert.equal(vs.spec.http.find((r) => r.name === 'split')!.match, undefined);
  // gRPC-first: REST takes the <name>-http hostname on the gateways.
  const grpcFirst = (r: PlannedRevision): PlannedRevision => ({ ...r, spec: { ...r.spec, model: { ...r.spec.model, protocolVersion: 'grpc-v2' } } });
  const g = defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: 's3://m/v2.onnx', protocolVersion: 'grpc-v2' } });
  const gvs = buildVirtualService(g, [grpcFirst(v1), grpcFirst(v2)], traffic, 'cluster.local');
  assert.deepEqual(gvs.spec.hosts.slice(1), ['iris-ml.example.com', 'iris-http-ml.example.com']);
  assert.deepEqual(gvs.spec.http.find((r) => r.name === 'http-split')!.match, [{ port: 8080 }, { authority: { exact: 'iris-http-ml.example.com' } }, { authority: { prefix: 'iris-http-ml.example.com:' } }]);
  // Not on the gateways (no gateways, or the hostname is held): no hostname matches either.
  const held = buildVirtualService(isvc, [v1, v2], traffic, 'cluster.local', false);
  assert.deepEqual(held.spec.hosts, ['iris.ml.svc.cluster.local']);
  assert.deepEqual(held.spec.http.find((r) => r.name === 'grpc-split')!.match, [{ port: 8081 }]);
});
