import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStorageUri } from './storage.ts';

test('storage URIs map to a mount or a fetch', () => {
  const cases: Array<[string, ReturnType<typeof parseStorageUri>]> = [
    ['pvc://models/iris/model.onnx', { kind: 'pvc', claim: 'models', modelPath: '/mnt/pvc/iris/model.onnx' }],
    ['pvc://models', { kind: 'pvc', claim: 'models', modelPath: '/mnt/pvc' }],
    ['s3://bucket/iris.onnx', { kind: 'fetch', uri: 's3://bucket/iris.onnx', modelPath: '/mnt/models/iris.onnx' }],
    ['gs://bucket/models/mlp/', { kind: 'fetch', uri: 'gs://bucket/models/mlp/', modelPath: '/mnt/models' }],
    ['https://host/x/model.onnx?sig=1', { kind: 'fetch', uri: 'https://host/x/model.onnx?sig=1', modelPath: '/mnt/models/model.onnx' }],
  ];
  for (const [uri, expected] of cases) assert.deepEqual(parseStorageUri(uri), expected, uri);
});
