// The traffic objects of a plan with variants and a shadow: weighted 3-way
// backends, the variant header pins, the shadow's mirror, and the labels the
// shared Service selects by in Service mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BUILD_CONFIG } from '../settings.ts';
import type { DefaultedInferenceService } from '../api/types.ts';
import { predictorFor, World } from '../../../test/operator/unit-support/canary-sim.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import { buildGrpcRoute } from './grpcroute.ts';
import { buildHttpRoute } from './httproute.ts';
import type { TrafficPlan } from './plan.ts';
import { REVISION_LABEL, SHADOW_VARIANT, SPLIT_LABEL, VARIANT_LABEL } from './revision.ts';
import { buildRevisionDeployment, buildRevisionService, buildSharedService } from './revision-resources.ts';
import { buildVirtualService } from './virtualservice.ts';
import { revisionExtras } from './variants.ts';

const config = DEFAULT_BUILD_CONFIG;
const nameOf = (plan: TrafficPlan, variant: string) => plan.revisions.find((r) => r.variant === variant)?.name ?? '';

/** main 50, b 20, c 30, all Ready, and a Ready shadow copied 25%. */
function threeWayPlan(mode: 'gatewayApi' | 'istio' | 'service' = 'gatewayApi', canary = false): TrafficPlan {
  const w = new World(predictorFor('v1'), mode);
  w.step();
  w.ready(1);
  if (canary) { w.edit(predictorFor('v9', { canaryTrafficPercent: 40 })); w.ready(1); }
  w.setVariants([{ name: 'b', percent: 20, predictor: predictorFor('v2') }, { name: 'c', percent: 30, predictor: predictorFor('v3') }], { percent: 25, predictor: predictorFor('v4') });
  for (const v of ['b', 'c', SHADOW_VARIANT]) w.ready(mode === 'service' ? 3 : 1, nameOf(w.last!, v));
  return w.last!;
}

const isvc = (routing?: DefaultedInferenceService['spec']['routing']): DefaultedInferenceService => {
  const base = defaulted({});
  return routing === undefined ? base : { ...base, spec: { ...base.spec, routing } };
};

test('HTTPRoute: 3-way weights, the variant header pins before the split, the shadow mirrored by percent', () => {
  const plan = threeWayPlan();
  const route = buildHttpRoute(isvc(), plan.revisions, config.traffic, plan.shadow!.percent);
  const split = route.spec.rules.at(-1)!;
  assert.deepEqual(split.backendRefs.map((b) => [b.name, b.weight]), [[plan.latest, 50], [nameOf(plan, 'b'), 20], [nameOf(plan, 'c'), 30]], 'the shadow takes no weight');
  assert.deepEqual(split.filters, [{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: nameOf(plan, SHADOW_VARIANT), port: 80 }, percent: 25 } }]);
  const pins = route.spec.rules.filter((r) => r.matches[0]!.headers?.[0]?.name === 'x-modelship-variant');
  assert.deepEqual(pins.map((r) => [r.matches[0]!.headers![0]!.value, r.backendRefs.map((b) => b.name)]), [
    ['b', [nameOf(plan, 'b')]], ['c', [nameOf(plan, 'c')]], [SHADOW_VARIANT, [nameOf(plan, SHADOW_VARIANT)]], ['main', [plan.latest]],
  ]);
  assert.deepEqual(route.spec.rules.filter((r) => r.matches[0]!.headers?.[0]?.name === 'x-modelship-revision').map((r) => r.matches[0]!.headers![0]!.value), ['latest'], 'revision tags only for the main predictor');
  // Nothing copied before the shadow is Ready.
  assert.equal(buildHttpRoute(isvc(), plan.revisions, config.traffic, 0).spec.rules.at(-1)!.filters, undefined);
});

test('a custom variant header; pinning to main keeps the main predictor\'s own canary split', () => {
  const plan = threeWayPlan('gatewayApi', true);
  const route = buildHttpRoute(isvc({ variantHeader: 'x-experiment' }), plan.revisions, config.traffic, plan.shadow!.percent);
  const main = route.spec.rules.find((r) => r.matches[0]!.headers?.[0]?.name === 'x-experiment' && r.matches[0]!.headers[0]!.value === 'main')!;
  assert.deepEqual(main.backendRefs.map((b) => b.weight), [30, 20], 'main keeps 50% of all, split 60/40 between its revisions');
  assert.ok(!route.spec.rules.some((r) => r.matches[0]!.headers?.[0]?.name === 'x-modelship-variant'));
});

test('GRPCRoute: the same pins and mirror on the grpc ports', () => {
  const plan = threeWayPlan();
  const route = buildGrpcRoute(isvc(), plan.revisions, config.traffic, plan.shadow!.percent);
  const split = route.spec.rules.at(-1)!;
  assert.deepEqual(split.backendRefs.map((b) => [b.weight, b.port]), [[50, 8081], [20, 8081], [30, 8081]]);
  assert.equal(split.filters![0]!.requestMirror.backendRef.port, 8081);
  assert.ok(route.spec.rules.some((r) => r.matches?.[0]?.headers[0]?.name === 'x-modelship-variant' && r.matches[0].headers[0].value === 'c'));
});

test('VirtualService: pins per port, weights summing to 100, mirror with mirrorPercentage', () => {
  const plan = threeWayPlan('istio', true);
  const vs = buildVirtualService(isvc(), plan.revisions, config.traffic, 'cluster.local', true, plan.shadow!.percent);
  const host = (n: string) => `${n}.ml.svc.cluster.local`;
  assert.deepEqual(vs.spec.http.map((r) => r.name), [
    'grpc-prev', 'grpc-latest', 'grpc-variant-b', 'grpc-variant-c', 'grpc-variant-shadow', 'grpc-variant-main', 'grpc-split',
    'prev', 'latest', 'variant-b', 'variant-c', 'variant-shadow', 'variant-main', 'split',
  ]);
  const split = vs.spec.http.at(-1)!;
  assert.deepEqual(split.route.map((r) => r.weight), [30, 20, 20, 30]);
  assert.deepEqual(split.mirror, { host: host(nameOf(plan, SHADOW_VARIANT)), port: { number: 80 } });
  assert.deepEqual(split.mirrorPercentage, { value: 25 });
  const main = vs.spec.http.find((r) => r.name === 'variant-main')!;
  assert.deepEqual(main.route.map((r) => r.weight), [60, 40], 'Istio wants the weights of a multi-destination route to sum to 100');
  assert.deepEqual(vs.spec.http.find((r) => r.name === 'variant-b')!.match, [{ headers: { 'x-modelship-variant': { exact: 'b' } } }]);
});

test('revision objects carry the variant label; Service mode split members carry the split label the shared Service selects', () => {
  const plan = threeWayPlan('service');
  const meta = isvc().metadata;
  const labelsOf = (variant: string | undefined) => buildRevisionDeployment(meta, plan.revisions.find((r) => r.variant === variant)!, config).spec!.template.metadata!.labels!;
  assert.equal(labelsOf('b')[VARIANT_LABEL], 'b');
  assert.equal(labelsOf(undefined)[VARIANT_LABEL], undefined, 'the main predictor has no variant label');
  assert.equal(labelsOf('b')[SPLIT_LABEL], 'true');
  assert.equal(labelsOf(SHADOW_VARIANT)[SPLIT_LABEL], undefined, 'the shadow is never selected by the shared Service');
  assert.equal(buildRevisionService(meta, plan.revisions.find((r) => r.variant === 'c')!).metadata!.labels![VARIANT_LABEL], 'c');
  const shared = buildSharedService(isvc(), plan.serviceSelects, plan.selectSplit === true);
  assert.equal(shared.spec!.selector![SPLIT_LABEL], 'true');
  assert.equal(shared.spec!.selector![REVISION_LABEL], undefined);
  const selects = (variant: string | undefined) => Object.entries(shared.spec!.selector!).every(([k, v]) => labelsOf(variant)[k] === v);
  assert.deepEqual([selects(undefined), selects('b'), selects('c'), selects(SHADOW_VARIANT)], [true, true, true, false]);
});

test('with variants every runtime is told its revision and variant; in Service mode the serving ones mirror to the shadow', () => {
  const url = (r: string) => `http://${r}.ml.svc.cluster.local`;
  const spec = (percent: number): DefaultedInferenceService => {
    const base = isvc();
    return { ...base, spec: { ...base.spec, shadow: { percent, predictor: predictorFor('v4') } } };
  };
  const argsOf = (plan: TrafficPlan, variant: string | undefined, extras: ReturnType<typeof revisionExtras>) =>
    buildRevisionDeployment(isvc().metadata, plan.revisions.find((r) => r.variant === variant)!, config, extras).spec!.template.spec!.containers[0]!.args!;
  const flag = (args: readonly string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const service = threeWayPlan('service');
  const extras = revisionExtras(service, 'service', spec(25), url);
  const main = argsOf(service, undefined, extras);
  assert.deepEqual([flag(main, '--revision'), flag(main, '--variant'), flag(main, '--mirror-url'), flag(main, '--mirror-percent')], [service.latest, 'main', url(nameOf(service, SHADOW_VARIANT)), '25']);
  assert.equal(flag(argsOf(service, 'b', extras), '--variant'), 'b');
  assert.equal(flag(argsOf(service, 'b', extras), '--mirror-url'), url(nameOf(service, SHADOW_VARIANT)), 'variants in the split mirror too');
  assert.equal(flag(main, '--variant-routes'), `b=${url(nameOf(service, 'b'))},c=${url(nameOf(service, 'c'))},shadow=${url(nameOf(service, SHADOW_VARIANT))}`, 'Service mode: the runtimes forward pinned requests');
  assert.equal(flag(argsOf(service, 'b', extras), '--variant-routes'), `c=${url(nameOf(service, 'c'))},shadow=${url(nameOf(service, SHADOW_VARIANT))},main=${url(service.latest)}`);
  // gRPC the same way, at each revision Service's grpc port.
  const grpc = (r: string) => `${r}.ml.svc.cluster.local:8081`;
  assert.equal(flag(main, '--mirror-grpc-target'), grpc(nameOf(service, SHADOW_VARIANT)), 'gRPC calls are copied too');
  assert.equal(flag(main, '--variant-grpc-routes'), `b=${grpc(nameOf(service, 'b'))},c=${grpc(nameOf(service, 'c'))},shadow=${grpc(nameOf(service, SHADOW_VARIANT))}`, 'Service mode: the runtimes forward pinned gRPC calls');
  assert.equal(flag(argsOf(service, 'b', extras), '--variant-grpc-routes'), `c=${grpc(nameOf(service, 'c'))},shadow=${grpc(nameOf(service, SHADOW_VARIANT))},main=${grpc(service.latest)}`);
  const shadowArgs = argsOf(service, SHADOW_VARIANT, extras);
  assert.deepEqual([flag(shadowArgs, '--variant'), flag(shadowArgs, '--mirror-url'), flag(shadowArgs, '--mirror-grpc-target')], ['shadow', undefined, undefined], 'the shadow never mirrors');
  // Where a route mirrors, the runtimes do not.
  const gateway = threeWayPlan();
  assert.equal(flag(argsOf(gateway, undefined, revisionExtras(gateway, 'gatewayApi', spec(25), url)), '--mirror-url'), undefined);
  assert.equal(flag(argsOf(gateway, undefined, revisionExtras(gateway, 'gatewayApi', spec(25), url)), '--variant-routes'), undefined, 'where a route reads the header, the runtimes do not forward');
  assert.deepEqual(['--mirror-grpc-target', '--variant-grpc-routes'].map((f) => flag(argsOf(gateway, undefined, revisionExtras(gateway, 'gatewayApi', spec(25), url)), f)), [undefined, undefined]);
  // Without variants nothing changes in the pod template of existing InferenceServices.
  const w = new World(predictorFor('v1'));
  w.step();
  assert.equal(revisionExtras(w.ready(1), 'service', isvc(), url), undefined);
});
