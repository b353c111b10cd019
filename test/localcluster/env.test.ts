import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envReferences, expandVars, resolveEnv, type EnvObjects } from './env.ts';

const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { nodeName: 'n', containers: [] } };
const objects: EnvObjects = {
  secrets: new Map([['s3', { AWS_ACCESS_KEY_ID: 'id', AWS_REGION: 'eu' }]]),
  configMaps: new Map([['cfg', { level: 'debug' }]]),
};

test('envFrom then env, secrets and configmaps, downward API, $(VAR) expansion', () => {
  const container = {
    name: 'c',
    envFrom: [{ secretRef: { name: 's3' } }, { configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
    env: [
      { name: 'AWS_REGION', value: 'us' },
      { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } },
      { name: 'KEY', valueFrom: { secretKeyRef: { name: 's3', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'URL', value: 'http://$(IP):8080/$$(IP)/$(NOPE)' },
    ],
  };
  assert.deepEqual(envReferences(container), { secrets: ['s3'], configMaps: ['cfg'] });
  assert.deepEqual(resolveEnv(pod, container, objects, '127.5.0.1'), {
    env: {
      AWS_ACCESS_KEY_ID: 'id',
      AWS_REGION: 'us',
      CFG_level: 'debug',
      LEVEL: 'debug',
      KEY: 'id',
      IP: '127.5.0.1',
      URL: 'http://127.5.0.1:8080/$(IP)/$(NOPE)',
    },
  });
});

test('missing objects and keys stop the container unless optional', () => {
  assert.deepEqual(resolveEnv(pod, { name: 'c', envFrom: [{ secretRef: { name: 'gone' } }] }, objects, ''), { error: 'secret "gone" not found' });
  assert.deepEqual(resolveEnv(pod, { name: 'c', envFrom: [{ secretRef: { name: 'gone', optional: true } }] }, objects, ''), { env: {} });
  assert.deepEqual(
    resolveEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's3', key: 'nope' } } }] }, objects, ''),
    { error: "couldn't find key nope in secret s3" },
  );
  assert.ok('error' in resolveEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] }, objects, ''));
});

test('expandVars leaves unknown references alone', () => {
  assert.equal(expandVars('$(A)-$(B)-$$', { A: '1' }), '1-$(B)-$');
});

test('the downward API reads labels and annotations (an indexed Job\'s JOB_COMPLETION_INDEX)', () => {
  const indexed = { ...pod, metadata: { ...pod.metadata, labels: { 'batch.kubernetes.io/job-name': 'score' }, annotations: { 'batch.kubernetes.io/job-completion-index': '3' } } };
  const container = {
    name: 'batch',
    env: [
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      { name: 'JOB', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
      { name: 'OUT', value: 's3://out/$(JOB)/' },
    ],
  };
  assert.deepEqual(resolveEnv(indexed, container, objects, ''), { env: { JOB_COMPLETION_INDEX: '3', JOB: 'score', OUT: 's3://out/score/' } });
});
