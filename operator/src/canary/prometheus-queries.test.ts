// The canary analysis' PromQL, written out: what an operator reads in the
// docs is what the controller sends. test/operator/rollout-queries.test.ts
// runs the same queries against a real Prometheus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictionCounts, revisionQueries, revisionSample, type VectorSample } from './prometheus-queries.ts';

test('the queries of one revision, selected by its pods in its namespace', () => {
  const pods = 'namespace="ml",pod=~"iris-predictor-4c1e0a2-[a-z0-9]+-[a-z0-9]+"';
  assert.deepEqual(revisionQueries('ml', 'iris-predictor-4c1e0a2', 30), {
    requests: `sum(increase(modelship_requests_total{${pods}}[30s]))`,
    errors: `sum(increase(modelship_requests_total{${pods},code=~"5.."}[30s]))`,
    latencyP99: `histogram_quantile(0.99, sum by (le) (rate(modelship_request_duration_seconds_bucket{${pods}}[30s])))`,
    predictions: `sum by (output, class) (increase(modelship_predictions_total{${pods}}[30s]))`,
  });
});

test('names that are not DNS names are refused, not escaped into the query', () => {
  assert.throws(() => revisionQueries('ml"}', 'iris-predictor-4c1e0a2', 30), /namespace .* is not a DNS name/);
  assert.throws(() => revisionQueries('ml', 'iris.*', 30), /revision .* is not a DNS name/);
});

test('the predictions vector becomes output -> class -> count; series without labels or with NaN are left out', () => {
  const series: VectorSample[] = [
    { metric: { output: 'label', class: '0' }, value: [1, '12.5'] },
    { metric: { output: 'label', class: '_unseen' }, value: [1, '0'] },
    { metric: { output: 'probabilities', class: '1' }, value: [1, '3'] },
    { metric: { output: 'label', class: '2' }, value: [1, 'NaN'] },
    { metric: { class: '1' }, value: [1, '3'] },
  ];
  assert.deepEqual(predictionCounts(series), { label: { 0: 12.5, _unseen: 0 }, probabilities: { 1: 3 } });
  assert.deepEqual(revisionSample(10, 1, 0.02, series).predictions, predictionCounts(series));
  assert.equal('predictions' in revisionSample(10, 1, 0.02), false, 'not queried: absent, not empty');
});
