import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../common/src/flags.ts';
import { BATCH_FLAGS, batchEnvName, parseBatchConfig } from './config.ts';

const base = ['--model-path', 'm.onnx', '--input', 'in.parquet', '--output', 'out'];

describe('parseBatchConfig', () => {
  it('takes the shard index from the flag, else JOB_COMPLETION_INDEX, else 0', () => {
    assert.equal(parseBatchConfig([...base, '--shard-count', '4'], {}).shardIndex, 0);
    assert.equal(parseBatchConfig([...base, '--shard-count', '4'], { JOB_COMPLETION_INDEX: '3' }).shardIndex, 3);
    assert.equal(parseBatchConfig([...base, '--shard-count', '4', '--shard-index', '1'], { JOB_COMPLETION_INDEX: '3' }).shardIndex, 1);
    assert.equal(parseBatchConfig([...base, '--shard-count', '4'], { MODELSHIP_BATCH_SHARD_INDEX: '2', JOB_COMPLETION_INDEX: '3' }).shardIndex, 2);
  });

  it('reports every problem at once', () => {
    try {
      parseBatchConfig(['--input', 's3://bkt/p', '--output', 's3://bkt/p/', '--shard-count', '2', '--id-column', 'id', '--passthrough-columns', 'id,x', '--input-map', 'nope'], { JOB_COMPLETION_INDEX: '5' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = error.errors.join('\n');
      for (const part of ['--model-path', 'shard index 5 is not below --shard-count 2', '--id-column id is also in --passthrough-columns', 'same prefix as --input', '--input-map']) assert.ok(text.includes(part), `${part} in ${text}`);
    }
  });

  it('parses locations, the input map and lists', () => {
    const config = parseBatchConfig([...base.slice(0, 2), '--input', 's3://data/in/', '--output', 'gs://out-bucket/run1', '--input-map', 'input=a,b;x=c', '--outputs', 'label', '--passthrough-columns', 'p,q'], {});
    assert.deepEqual(config.input, { kind: 's3', bucket: 'data', prefix: 'in' });
    assert.deepEqual(config.output, { kind: 'gs', bucket: 'out-bucket', prefix: 'run1' });
    assert.deepEqual([...config.inputMap!], [['input', ['a', 'b']], ['x', ['c']]]);
    assert.deepEqual(config.outputs, ['label']);
    assert.deepEqual(config.passthroughColumns, ['p', 'q']);
  });

  it('is documented flag by flag in the batch table of runtime/README.md', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    // Only the batch section counts: a serve flag of the same name must not stand in for it.
    const section = readme.slice(readme.indexOf('## Batch scoring'), readme.indexOf('\n## ', readme.indexOf('## Batch scoring') + 1));
    for (const flag of BATCH_FLAGS) assert.match(section, new RegExp(`^\\| \`--${flag}\` \\| \`${batchEnvName(flag)}\` \\|`, 'm'), flag);
    const rows = [...section.matchAll(/^\| `--([a-z-]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(rows.filter((r) => !BATCH_FLAGS.includes(r!)), [], 'no row for a flag that does not exist');
  });
});
