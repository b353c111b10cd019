// The canary data-plane check (issue 4) on the local cluster: with no traffic
// router installed the operator splits traffic by apportioning pods between
// the rolled-out revision (iris v1) and the canary (iris v2) behind one
// Service; 2,000 requests through the Service (one connection each, balanced
// by the service proxy as kube-proxy balances connections) must give the
// canary the share status promises, within 3 points.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { http, until } from '../localcluster/http.ts';
import { startLocalCluster, type LocalCluster } from '../localcluster/local-cluster.ts';

const NS = 'default';
const NAME = 'iris-canary';
const PERCENT = 20;
const REQUESTS = 2000;
const CONCURRENCY = 8;

const manifest = (model: string, canary?: number) => `apiVersion: serving.modelship.io/v1alpha1
kind: InferenceService
metadata:
  name: ${NAME}
spec:
  predictor:
${canary === undefined ? '' : `    canaryTrafficPercent: ${canary}\n`}    model:
      modelFormat:
        name: onnx
      storageUri: pvc://model-store/${model}/${model}.onnx
      resources:
        requests: { cpu: 100m, memory: 128Mi }
`;

// Row 0 of the references: v1 (logistic regression) gives 0.985 to setosa, v2 (random forest) 1.0.
const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };
const versionOf = (reply: string): 'v1' | 'v2' => {
  const p = (JSON.parse(reply) as { outputs: Array<{ name: string; data: number[] }> }).outputs.find((o) => o.name === 'probabilities')!.data[0]!;
  return p > 0.999 ? 'v2' : 'v1';
};

interface Traffic {
  revisionName?: string;
  percent?: number;
  latestRevision?: boolean;
}
interface Isvc {
  status?: {
    conditions?: Array<{ type: string; status: string; message?: string }>;
    components?: { predictor?: { traffic?: Traffic[]; latestReadyRevision?: string; latestCreatedRevision?: string } };
  };
}

let local: LocalCluster;
before(async () => {
  local = await startLocalCluster({ ...(process.env['E2E_LOG'] ? { log: (l: string) => console.error(l) } : {}) });
  await local.addModelStore(NS);
});
after(async () => {
  await local?.stop();
});

test(`canary at ${PERCENT}% in Service mode: the canary's share of ${REQUESTS} requests is within 3 points`, async () => {
  const custom = local.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const read = async () => (await custom.getNamespacedCustomObject({ group: 'serving.modelship.io', version: 'v1alpha1', namespace: NS, plural: 'inferenceservices', name: NAME })) as Isvc;
  const apply = async (yaml: string) => {
    const file = join(local.cluster.dataDir, `${NAME}.yaml`);
    writeFileSync(file, yaml);
    await local.kubectl(['apply', '-n', NS, '-f', file]);
  };

  await apply(manifest('iris'));
  const v1 = await until('v1 Ready', 120_000, async () => {
    const s = await read();
    return s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? s.status.components?.predictor?.latestReadyRevision : undefined;
  }, 500);
  await apply(manifest('iris-v2', PERCENT));
  // The split is in force once status gives the canary (the latest revision, Ready) its share.
  const split = await until(`the canary taking its share`, 180_000, async () => {
    const s = await read();
    const p = s.status?.components?.predictor;
    const canary = p?.traffic?.find((t) => t.latestRevision === true && t.revisionName !== v1);
    const stable = p?.traffic?.find((t) => t.revisionName === v1);
    const traffic = s.status?.conditions?.find((c) => c.type === 'TrafficReady');
    const settled = canary && stable && (canary.percent ?? 0) > 0 && (stable.percent ?? 0) > 0 && p?.latestReadyRevision === canary.revisionName;
    return settled && traffic?.status === 'True' ? { canary, message: traffic.message ?? '' } : undefined;
  }, 500);
  const promised = split.canary.percent!;

  const url = local.proxy.url(NS, NAME);
  assert.ok(url, 'the proxy serves the InferenceService Service');
  const counts = { v1: 0, v2: 0 };
  let failed = 0;
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      next++;
      const reply = await http(`${url}/v2/models/${NAME}/infer`, body).catch(() => undefined);
      if (reply?.status === 200) counts[versionOf(reply.body)]++;
      else failed++;
    }
  }));
  const share = (100 * counts.v2) / (counts.v1 + counts.v2);
  console.log(`canary: requested ${PERCENT}%, status ${promised}% (${split.message}); ${counts.v2} of ${counts.v1 + counts.v2} requests (${share.toFixed(1)}%) went to the canary; ${failed} failed`);
  assert.equal(failed, 0);
  assert.equal(counts.v1 + counts.v2, REQUESTS);
  assert.ok(Math.abs(share - promised) <= 3, `canary share ${share.toFixed(1)}% vs ${promised}% promised`);
  assert.ok(Math.abs(promised - PERCENT) <= 3, `Service mode apportions ${promised}% for the requested ${PERCENT}%`);
});
