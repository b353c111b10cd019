// `node runtime/src/main.ts profile --model M.onnx --data train.csv --out M.profile.json`:
// builds a model's training profile (profile.ts) from its training data,
// running the model over the data (in batches, on the CPU) for the output
// distribution. Exit codes: 0 written, 1 the data or model failed, 2 bad flags.
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { commaList, ConfigError, integer, nonEmpty, oneOf, parseFlags, type FlagTable } from '../../../common/src/flags.ts';
import { DATATYPES, type TensorData } from '../protocol/datatypes.ts';
import type { TensorSpec } from '../protocol/types.ts';
import { modelSpecOf } from '../model/metadata.ts';
import { buildProfile, DEFAULT_BINS, formatProfile, type OutputValues } from './build.ts';
import { DATA_FORMATS, formatOf, readTrainingData, type InputRows, type Value } from './data.ts';
import { parseProfile } from './load.ts';

const PROFILE_FLAGS = {
  model: { parse: nonEmpty },
  data: { parse: nonEmpty },
  out: { parse: nonEmpty },
  format: { parse: oneOf(DATA_FORMATS), optional: true },
  columns: { parse: commaList, optional: true },
  bins: { parse: integer(1, 1000), fallback: DEFAULT_BINS },
  'batch-size': { parse: integer(1, 65536), fallback: 256 },
} as const satisfies FlagTable;

export const PROFILE_USAGE = `usage: main.ts profile --model <model.onnx> --data <train.csv|.parquet|.jsonl|.npy> --out <model.profile.json>
  [--format ${DATA_FORMATS.join('|')}] [--columns a,b,...] [--bins ${DEFAULT_BINS}] [--batch-size 256]
see runtime/README.md ("Training profiles")
`;

/** Runs the model over every row in batches; returns each output's values row-major. */
async function runModel(session: ort.InferenceSession, inputs: readonly InputRows[], outputs: readonly TensorSpec[], batchSize: number): Promise<OutputValues[]> {
  const rows = inputs[0]!.rows.length;
  const collected = outputs.map(() => [] as Value[]);
  const widths = outputs.map(() => 0);
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(start + batchSize, rows);
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of inputs) {
      const info = DATATYPES[input.spec.datatype];
      const flat = input.rows.slice(start, end).flat();
      let data: TensorData;
      if (info.kind === 'bytes') data = flat.map(String);
      else if (info.kind === 'bigint') {
        const big = flat.map((v) => BigInt(Math.trunc(Number(v))));
        data = input.spec.datatype === 'UINT64' ? BigUint64Array.from(big) : BigInt64Array.from(big);
      } else {
        const typed = new info.array!(flat.length);
        flat.forEach((v, k) => (typed[k] = Number(v)));
        data = typed;
      }
      feeds[input.spec.name] = new ort.Tensor(info.ort, data as ort.Tensor.DataType, [end - start, ...input.rowShape]);
    }
    const results = await session.run(feeds);
    outputs.forEach((spec, i) => {
      const tensor = results[spec.name]!;
      widths[i] = tensor.dims.slice(1).reduce((a, b) => a * b, 1);
      for (const v of Array.from(tensor.data as ArrayLike<unknown>)) collected[i]!.push(typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : (v as Value));
    });
  }
  return outputs.map((spec, i) => ({ spec, datatype: spec.datatype, width: widths[i]!, data: collected[i]! }));
}

export async function profileCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(PROFILE_USAGE);
    return 0;
  }
  const { values, errors } = parseFlags(PROFILE_FLAGS, args, env, { envPrefix: 'MODELSHIP_PROFILE_' });
  if (errors.length > 0) {
    process.stderr.write(`${new ConfigError(errors, 'profile').message}\n${PROFILE_USAGE}`);
    return 2;
  }
  const { model, data, out, bins, columns } = values as { model: string; data: string; out: string; bins: number; columns: string[] | undefined };
  try {
    const format = formatOf(data, values.format);
    const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
    const spec = modelSpecOf({ name: basename(model), version: undefined, executionProvider: 'cpu' }, session.inputMetadata, session.outputMetadata);
    const inputs = await readTrainingData(data, format, spec.inputs, columns);
    const rows = inputs[0]!.rows.length;
    if (inputs.some((i) => i.rows.length !== rows)) throw new Error(`inputs have different row counts in ${data}`);
    const outputs = await runModel(session, inputs, spec.outputs, values['batch-size']);
    await session.release();
    const profile = buildProfile(inputs, outputs, { bins, source: { data: basename(data), format, rows, tool: 'runtime profile' } });
    // What we write must load: the same validation the server runs at start.
    parseProfile(JSON.parse(formatProfile(profile)), 'the built profile');
    await writeFile(out, formatProfile(profile));
    process.stdout.write(`${out}: ${rows} rows, ${inputs.reduce((n, i) => n + i.featureNames.length, 0)} features, ${outputs.length} outputs\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`profile failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
