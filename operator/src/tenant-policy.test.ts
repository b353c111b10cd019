import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, PredictorSpec } from './api/types.ts';
import { DEFAULT_TENANT_POLICY, policyViolations, type OperatorPlacement, type TenantPolicy } from './tenant-policy.ts';

const model = { modelFormat: { name: 'onnx' as const }, storageUri: 's3://m/x.onnx' };
const cpu: OperatorPlacement = { gpu: false, tolerationKey: 'nvidia.com/gpu', nodeSelectorKeys: ['nvidia.com/gpu.present', 'nvidia.com/gpu.product'] };
const gpu: OperatorPlacement = { ...cpu, gpu: true };
const policy = (p: Partial<TenantPolicy> = {}): TenantPolicy => ({ ...DEFAULT_TENANT_POLICY, ...p });
const nodeAffinity = (key: string, preferred = false): Affinity => ({
  nodeAffinity: preferred
    ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key, operator: 'Exists' }] } }] }
    : { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values: ['x'] }] }] } },
});
const podTerm = (extra: Record<string, unknown> = {}) => ({ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname', ...extra });

// [what, predictor fields, policy, operator placement, expected violation (regex) or undefined when allowed]
const cases: Array<[string, Partial<PredictorSpec>, TenantPolicy, OperatorPlacement, RegExp | undefined]> = [
  ['a plain spec', {}, policy(), cpu, undefined],
  ['NODE_OPTIONS', { model: { ...model, env: [{ name: 'OMP_NUM_THREADS', value: '2' }, { name: 'NODE_OPTIONS', value: '--import=data:text/javascript,1' }] } }, policy(), cpu,
    /^spec\.predictor\.model\.env\[1\]\.name NODE_OPTIONS: names starting with NODE_ are reserved/],
  ['LD_PRELOAD', { model: { ...model, env: [{ name: 'LD_PRELOAD', value: '/tmp/x.so' }] } }, policy(), cpu, /env\[0\]\.name LD_PRELOAD: names starting with LD_/],
  ['MODELSHIP_ runtime settings', { model: { ...model, env: [{ name: 'MODELSHIP_PORT', value: '1' }] } }, policy(), cpu, /MODELSHIP_PORT/],
  ['an ordinary env name', { model: { ...model, env: [{ name: 'MY_NODE_NAME', value: 'a' }] } }, policy(), cpu, undefined],
  ['env prefixes the administrator emptied', { model: { ...model, env: [{ name: 'NODE_OPTIONS', value: 'x' }] } }, policy({ reservedEnvPrefixes: [] }), cpu, undefined],
  ['any ServiceAccount by default', { serviceAccountName: 'default' }, policy(), cpu, /^spec\.predictor\.serviceAccountName default: the operator does not allow/],
  ['a ServiceAccount allowed by name', { serviceAccountName: 'storage-reader' }, policy({ allowedServiceAccounts: ['storage-reader'] }), cpu, undefined],
  ['a ServiceAccount allowed in its namespace', { serviceAccountName: 'reader' }, policy({ allowedServiceAccounts: ['ml/reader'] }), cpu, undefined],
  ['a ServiceAccount allowed in another namespace only', { serviceAccountName: 'reader' }, policy({ allowedServiceAccounts: ['other/reader'] }), cpu, /serviceAccountName reader/],
  ['every ServiceAccount of the namespace', { serviceAccountName: 'anything' }, policy({ allowedServiceAccounts: ['ml/*'] }), cpu, undefined],
  ['a user toleration by default', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, policy(), cpu, /^spec\.predictor\.tolerations\[0\] key "dedicated": the operator does not allow/],
  ['the empty key tolerating every taint', { tolerations: [{ operator: 'Exists' }] }, policy({ allowedTolerationKeys: ['dedicated'] }), cpu, /tolerations\[0\] key "" \(tolerates every taint\)/],
  ['an allowed toleration key', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml' }] }, policy({ allowedTolerationKeys: ['dedicated'] }), cpu, undefined],
  ['the GPU toleration on a CPU predictor', { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] }, policy(), cpu, /tolerations\[0\] key "nvidia.com\/gpu"/],
  ['the GPU toleration on a GPU predictor', { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] }, policy(), gpu, undefined],
  ['a node selector by default', { nodeSelector: { pool: 'big' } }, policy(), cpu, /^spec\.predictor\.nodeSelector "pool": the operator does not allow/],
  ['the GPU node label on a CPU predictor', { nodeSelector: { 'nvidia.com/gpu.present': 'true' } }, policy(), cpu, /nodeSelector "nvidia.com\/gpu.present"/],
  ['the GPU product label on a GPU predictor', { nodeSelector: { 'nvidia.com/gpu.product': 'H100' } }, policy(), gpu, undefined],
  ['an allowed node label', { nodeSelector: { pool: 'big' } }, policy({ allowedNodeSelectorKeys: ['pool'] }), cpu, undefined],
  ['required node affinity on an unlisted key', { affinity: nodeAffinity('nvidia.com/gpu.present') }, policy(), cpu, /affinity\.nodeAffinity selects on node key "nvidia.com\/gpu.present"/],
  ['preferred node affinity on an unlisted key', { affinity: nodeAffinity('pool', true) }, policy(), cpu, /nodeAffinity selects on node key "pool"/],
  ['node affinity on an allowed key', { affinity: nodeAffinity('pool') }, policy({ allowedNodeSelectorKeys: ['pool'] }), cpu, undefined],
  ['pod anti-affinity within the namespace', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podTerm()] } } }, policy(), cpu, undefined],
  ['pod affinity naming its own namespace', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podTerm({ namespaces: ['ml'] })] } } }, policy(), cpu, undefined],
  ['pod affinity to another namespace', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [podTerm({ namespaces: ['payments'] })] } } }, policy(), cpu,
    /affinity\.podAffinity reaches pods of other namespaces/],
  ['preferred pod affinity with a namespace selector', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: podTerm({ namespaceSelector: {} }) }] } } }, policy(), cpu,
    /affinity\.podAffinity reaches pods of other namespaces/],
  // The CRD prunes unknown fields now; the policy still refuses one (an object stored before, a CRD not upgraded).
  ['an unknown affinity field', { affinity: { nodeAfinity: {} } as Affinity }, policy(), cpu, /affinity\.nodeAfinity is not a known affinity/],
  ['the istio sidecar opt-out', { annotations: { 'sidecar.istio.io/inject': 'false' } }, policy(), cpu, /^spec\.predictor\.annotations "sidecar.istio.io\/inject": annotations of this domain are reserved/],
  ['an eviction override', { annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } }, policy(), cpu, /safe-to-evict/],
  ['an AppArmor override', { annotations: { 'container.apparmor.security.beta.kubernetes.io/model-server': 'unconfined' } }, policy(), cpu, /apparmor/],
  ['scrape settings', { annotations: { 'prometheus.io/port': '1' } }, policy(), cpu, /prometheus.io\/port/],
  ['the author\'s own annotations', { annotations: { team: 'ml', 'example.com/owner': 'alice' } }, policy(), cpu, undefined],
  ['a reserved annotation the administrator allowed', { annotations: { 'sidecar.istio.io/inject': 'false' } }, policy({ allowedPodAnnotations: ['sidecar.istio.io/inject'] }), cpu, undefined],
];

for (const [what, fields, p, placement, expected] of cases) {
  test(`tenant policy: ${what}`, () => {
    const violations = policyViolations({ namespace: 'ml', predictor: { model, ...fields } }, p, placement);
    if (expected === undefined) assert.deepEqual(violations, []);
    else {
      assert.equal(violations.length, 1, violations.join('\n'));
      assert.match(violations[0]!, expected);
    }
  });
}

test('tenant policy: every violation is reported at once', () => {
  const violations = policyViolations({
    namespace: 'ml',
    predictor: { model: { ...model, env: [{ name: 'NODE_OPTIONS' }] }, serviceAccountName: 'admin', tolerations: [{ operator: 'Exists' }], nodeSelector: { a: 'b' } },
  }, DEFAULT_TENANT_POLICY, cpu);
  assert.equal(violations.length, 4);
});
