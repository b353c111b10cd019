// Which columns feed which model input: `--input-map 'input=c1,c2,c3,c4'`
// (several inputs separated by ';'). A column may hold one value or an array
// (a JSONL field or a Parquet list column holding a whole feature vector);
// each row's values are concatenated in the order the columns are named.
// Without a map, a one-input model takes every column except the id and
// passthrough ones, in the file's order.
import type { TensorSpec } from '../protocol/types.ts';

export type InputMap = ReadonlyMap<string, readonly string[]>;

export function parseInputMap(text: string): InputMap {
  const map = new Map<string, string[]>();
  for (const part of text.split(';').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`"${part}": expected <model input>=<column>[,<column>...]`);
    const name = part.slice(0, eq).trim();
    const columns = part.slice(eq + 1).split(',').map((c) => c.trim());
    if (columns.some((c) => c === '')) throw new Error(`"${part}": an empty column name`);
    if (map.has(name)) throw new Error(`model input ${name} is mapped more than once`);
    map.set(name, columns);
  }
  if (map.size === 0) throw new Error('expected <model input>=<column>[,<column>...]');
  return map;
}

/** One model input and the columns that fill it; `width` is the elements per row when the model fixes it. */
export interface BoundInput {
  readonly spec: TensorSpec;
  readonly columns: readonly string[];
  readonly width: number | undefined;
}

export class MappingError extends Error {}

/** Elements per row of an input shaped [batch, ...rest]; undefined when a rest dimension is dynamic. */
export function rowWidth(spec: TensorSpec): number | undefined {
  const rest = spec.shape.slice(1);
  return rest.some((d) => d < 0) ? undefined : rest.reduce((a, b) => a * b, 1);
}

/**
 * Binds the map to the model. `available` lists the input's columns in file
 * order when the format knows them up front (CSV header, Parquet schema; for
 * JSONL the first record's fields).
 */
export function bindInputs(
  inputs: readonly TensorSpec[],
  map: InputMap | undefined,
  available: readonly string[],
  reserved: readonly string[],
): BoundInput[] {
  if (map === undefined) {
    if (inputs.length !== 1) throw new MappingError(`the model takes ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); --input-map must say which columns feed each`);
    const columns = available.filter((c) => !reserved.includes(c));
    if (columns.length === 0) throw new MappingError('the input has no columns left for the model besides the id and passthrough columns');
    const spec = inputs[0] as TensorSpec;
    return [checked({ spec, columns, width: rowWidth(spec) }, ' (without --input-map: every column but the id and passthrough ones)')];
  }
  const unknown = [...map.keys()].filter((name) => !inputs.some((i) => i.name === name));
  if (unknown.length > 0) throw new MappingError(`--input-map names ${unknown.join(', ')}, which the model does not take (it takes ${inputs.map((i) => i.name).join(', ')})`);
  const missing = inputs.filter((i) => !map.has(i.name));
  if (missing.length > 0) throw new MappingError(`--input-map does not say which columns feed ${missing.map((i) => i.name).join(', ')}`);
  const absent = [...map.values()].flat().filter((c) => !available.includes(c));
  if (absent.length > 0) throw new MappingError(`--input-map names columns the input does not have: ${[...new Set(absent)].join(', ')} (it has ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', ...' : ''})`);
  return inputs.map((spec) => checked({ spec, columns: map.get(spec.name) as string[], width: rowWidth(spec) }, ''));
}

/** Each column gives at least one value, so more columns than the model's width can never fit: say so before reading a row. */
function checked(bound: BoundInput, how: string): BoundInput {
  const rest = bound.spec.shape.slice(1);
  if (rest.filter((d) => d < 0).length > 0 && rest.length > 1) throw new MappingError(`input ${bound.spec.name} has shape [${bound.spec.shape.join(', ')}]: batch scoring fills a fixed shape, or [batch, n] with n dynamic`);
  if (bound.width !== undefined && bound.columns.length > bound.width) {
    throw new MappingError(`input ${bound.spec.name} takes ${bound.width} values per row, but ${bound.columns.length} columns feed it${how}: ${bound.columns.slice(0, 10).join(', ')}${bound.columns.length > 10 ? ', ...' : ''}`);
  }
  return bound;
}
