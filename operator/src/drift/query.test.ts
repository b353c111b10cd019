import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byInferenceService, driftQuery, parseDriftAnswer, POD_NAME_REVISION } from './query.ts';

test('one query for every InferenceService: PSI series, worst 3 features per revision, revision from the pod name', () => {
  assert.equal(driftQuery(), 'topk by (namespace, model, revision) (3, max by (namespace, model, revision, feature) (label_replace(modelship_feature_drift{statistic="psi",namespace!="",model!=""}, "revision", "$1", "pod", "^(.+)-[a-z0-9]{1,10}-[a-z0-9]{5}$")))');
  const re = new RegExp(POD_NAME_REVISION);
  assert.equal(re.exec('iris-predictor-abc1234-7d9f8c6b5-x2k4p')?.[1], 'iris-predictor-abc1234');
  assert.equal(re.exec('iris-predictor-5f6b7c8d9f-abcde')?.[1], 'iris-predictor', 'the pre-revision Deployment');
  assert.equal(re.exec('standalone'), null);
});

test('the answer becomes samples; NaN, missing labels and junk are skipped; a non-vector answer throws', () => {
  const answer = {
    status: 'success',
    data: {
      resultType: 'vector',
      result: [
        { metric: { namespace: 'ml', model: 'iris', revision: 'iris-predictor-a', feature: 'petal_length' }, value: [1, '0.41'] },
        { metric: { namespace: 'ml', model: 'iris', feature: 'sepal_width' }, value: [1, '0.1'] },
        { metric: { namespace: 'ml', model: 'iris', feature: 'nan' }, value: [1, 'NaN'] },
        { metric: { namespace: 'ml', model: 'iris', feature: 'inf' }, value: [1, '+Inf'] },
        { metric: { model: 'iris', feature: 'no-namespace' }, value: [1, '1'] },
        { metric: { namespace: 'other', model: 'mlp', revision: 'r', feature: 'x' }, value: [1, '2'] },
        { junk: true },
      ],
    },
  };
  const samples = parseDriftAnswer(answer);
  assert.deepEqual(samples, [
    { namespace: 'ml', model: 'iris', revision: 'iris-predictor-a', feature: 'petal_length', value: 0.41 },
    { namespace: 'ml', model: 'iris', revision: '', feature: 'sepal_width', value: 0.1 },
    { namespace: 'other', model: 'mlp', revision: 'r', feature: 'x', value: 2 },
  ]);
  assert.deepEqual([...byInferenceService(samples).keys()], ['ml/iris', 'other/mlp']);
  assert.equal(byInferenceService(samples).get('ml/iris')?.length, 2);
  assert.throws(() => parseDriftAnswer({ status: 'error', error: 'bad' }), /success vector/);
  assert.throws(() => parseDriftAnswer({ status: 'success', data: { resultType: 'matrix', result: [] } }), /success vector/);
});
