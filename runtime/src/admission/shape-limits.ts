// Bounds on the shape of a request, independent of its size in bytes. A
// tensor with a zero dimension has no elements, so no body-size check can
// catch `[1e15, 0]`; yet the model may size its outputs or intermediates
// from the other dimensions. Every dimension is capped, and so are the rows
// one request brings to a batchable model (its first dimension).
import { InvalidInputError } from '../errors.ts';
import { formatShape } from '../protocol/shape.ts';

export interface ShapeLimits {
  /** The largest value any dimension of an input may take (--max-dimension). */
  readonly maxDimension: number;
  /** The most rows (first dimension) one request may carry to a batchable model (--max-rows). */
  readonly maxRows: number;
}

export const DEFAULT_SHAPE_LIMITS: ShapeLimits = Object.freeze({ maxDimension: 16 * 1024 * 1024, maxRows: 65_536 });

/** Throws a 400 naming the limit when `shape` exceeds it. */
export function checkShapeLimits(name: string, shape: readonly number[], batchable: boolean, limits: ShapeLimits): void {
  if (batchable && shape.length > 0 && (shape[0] as number) > limits.maxRows) {
    throw new InvalidInputError(`input '${name}': shape ${formatShape(shape)} has ${shape[0]} rows, more than the limit of ${limits.maxRows} per request (--max-rows); split the request`);
  }
  const index = shape.findIndex((dim) => dim > limits.maxDimension);
  if (index >= 0) {
    throw new InvalidInputError(`input '${name}': dimension ${index} of shape ${formatShape(shape)} is ${shape[index]}, more than the limit of ${limits.maxDimension} (--max-dimension)`);
  }
}
