// The two example iris models' reference answers (examples/models/*.reference.json),
// computed on the same inputs, so that one request tells which model answered it:
// how the canary, variant and observability scenarios attribute each reply.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../localcluster/local-cluster.ts';

interface Reference {
  inputs: unknown[];
  outputs: Array<{ name: string; data: number[] }>;
}

const readReference = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'examples/models', file), 'utf8')) as Reference;
const v1 = readReference('iris.reference.json');
const v2 = readReference('iris-v2.reference.json');
assert.deepEqual(v1.inputs, v2.inputs, 'the two references must share their inputs');

/** The inputs both references were computed on: the request body of every attributed request. */
export const irisInputs = v1.inputs;

const probabilities = (outputs: Reference['outputs']) => outputs.find((o) => o.name === 'probabilities')?.data ?? [];
const close = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - (b[i] ?? NaN)) < 1e-4);

/** Which model answered a v2 reply to `irisInputs`, from its probabilities; undefined when neither matches. */
export function attribute(body: string): 'v1' | 'v2' | undefined {
  const got = probabilities((JSON.parse(body) as { outputs: Reference['outputs'] }).outputs);
  if (close(got, probabilities(v1.outputs))) return 'v1';
  if (close(got, probabilities(v2.outputs))) return 'v2';
  return undefined;
}
