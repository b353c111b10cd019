// The BatchInference object as the operator sees it. Spec and status types
// are generated from batch-schema.ts (batch-types.gen.ts); this file adds the
// Kubernetes envelope and the defaulted form the builders take.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { BatchInferenceSpec, BatchInferenceStatus, BatchRetrySpec } from './batch-types.gen.ts';

export type * from './batch-types.gen.ts';

export interface BatchInference {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: BatchInferenceSpec;
  status?: BatchInferenceStatus;
}

/** A spec after defaulting: the fields with schema defaults are present. */
export type DefaultedBatchSpec = BatchInferenceSpec
  & Required<Pick<BatchInferenceSpec, 'shards' | 'successfulRunsHistoryLimit' | 'failedRunsHistoryLimit'>>
  & { retry: BatchRetrySpec & Required<Pick<BatchRetrySpec, 'backoffLimitPerIndex'>> };
