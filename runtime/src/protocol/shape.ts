// Shape arithmetic shared by the codecs, validation and batching.
import { InvalidInputError } from '../errors.ts';

/** Deeper tensors than this are refused before any data is touched (bounds recursion). */
export const MAX_RANK = 16;

/**
 * Element count of a shape, refusing anything that is not a list of
 * non-negative safe integers or whose product leaves the safe integer range.
 */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  if (!Number.isSafeInteger(count)) throw new InvalidInputError(`shape [${shape.join(',')}] has too many elements`);
  return count;
}

/** Parses a client-sent shape: an array of at most MAX_RANK non-negative integers. */
export function parseShape(value: unknown, what: string): number[] {
  if (!Array.isArray(value)) throw new InvalidInputError(`${what}: 'shape' must be an array of non-negative integers`);
  if (value.length > MAX_RANK) throw new InvalidInputError(`${what}: shape has ${value.length} dimensions, at most ${MAX_RANK} are supported`);
  for (const dim of value) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new InvalidInputError(`${what}: shape [${value.map((d) => JSON.stringify(d)).join(',')}] must hold non-negative integers`);
    }
  }
  return value as number[];
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
