import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPdb, mostPods } from './pdb.ts';
import { defaulted } from '../../../test/operator/unit-support/fixtures.ts';
import type { PredictorSpec } from '../api/types.ts';

const build = (p: Partial<PredictorSpec>) => buildPdb(defaulted(p));

test('a budget exists only while more than one pod may run', () => {
  const cases: Array<[Partial<PredictorSpec>, number]> = [
    [{}, 1],
    [{ minReplicas: 1, maxReplicas: 1 }, 1],
    [{ minReplicas: 0, maxReplicas: 1 }, 1],
    [{ minReplicas: 2 }, 2],
    [{ minReplicas: 1, maxReplicas: 4 }, 4],
    [{ minReplicas: 3, maxReplicas: 3 }, 3],
  ];
  for (const [predictor, most] of cases) {
    assert.equal(mostPods(defaulted(predictor).spec.predictor), most, JSON.stringify(predictor));
    assert.equal(build(predictor) !== undefined, most > 1, JSON.stringify(predictor));
  }
});

test('one pod at a time may be evicted, unhealthy ones always; owned by the InferenceService; selects its predictor pods', () => {
  const pdb = build({ minReplicas: 2 })!;
  assert.equal(pdb.apiVersion, 'policy/v1');
  assert.deepEqual(pdb.spec, {
    maxUnavailable: 1,
    selector: { matchLabels: { 'serving.modelship.io/inferenceservice': 'iris', 'serving.modelship.io/component': 'predictor' } },
    unhealthyPodEvictionPolicy: 'AlwaysAllow',
  });
  assert.equal(pdb.metadata!.ownerReferences![0]!.kind, 'InferenceService');
  assert.equal(pdb.metadata!.labels!['app.kubernetes.io/managed-by'], 'modelship-operator');
});
