// The status of a BatchInference, derived from what the cluster shows: the
// run's Job (indexes completed and failed, its Complete/Failed condition,
// start and completion times) and the termination messages of its succeeded
// shard pods, where the runtime leaves its summary ({rowsScored, rowsFailed,
// seconds}). Reading what the kubelet already reports costs no request of
// ours and no access to the tenant's bucket. Pure and table-tested; the
// controller writes the result only when it differs from what is stored.
import type { V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import type { BatchInferenceStatus } from '../api/batch-types.ts';
import type { Condition } from '../api/types.ts';
import { BATCH_CONTAINER_NAME } from '../names.ts';
import { setCondition } from './status.ts';

export const RUNNING = 'Running';
export const COMPLETE = 'Complete';
export const FAILED = 'Failed';

export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

export interface ShardSummary { rowsScored: number; rowsFailed: number; seconds: number }

/** The runtime's summary JSON, or undefined for anything else (a crash's log tail, a hostile pod's text). */
export function parseSummary(message: string | undefined): ShardSummary | undefined {
  if (message === undefined || message.length > 4096) return undefined;
  let parsed: unknown;
  try { parsed = JSON.parse(message); } catch { return undefined; }
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const o = parsed as Record<string, unknown>;
  const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
  const rowsScored = count(o['rowsScored']);
  const rowsFailed = count(o['rowsFailed']);
  const seconds = typeof o['seconds'] === 'number' && Number.isFinite(o['seconds']) && o['seconds'] >= 0 ? o['seconds'] : undefined;
  if (rowsScored === undefined || rowsFailed === undefined || seconds === undefined) return undefined;
  return { rowsScored, rowsFailed, seconds };
}

/** How many indexes "0-2,5,7-8" names; the Job controller's compressed form. */
export function countIndexes(list: string | undefined): number {
  if (list === undefined || list === '') return 0;
  let n = 0;
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    n += b === undefined ? 1 : Number.isInteger(b) && b >= a ? b - a + 1 : 0;
  }
  return n;
}

const terminated = (pod: V1Pod) => pod.status?.containerStatuses?.find((c) => c.name === BATCH_CONTAINER_NAME)?.state?.terminated;
const toIso = (t: Date | string | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

/** One summary per completed index of the Job (the newest succeeded pod of an index wins). */
export function shardSummaries(job: V1Job, pods: readonly V1Pod[]): { summaries: Map<string, ShardSummary>; lastFinished: string | undefined } {
  const summaries = new Map<string, ShardSummary>();
  const finishedAt = new Map<string, string>();
  let lastFinished: string | undefined;
  for (const pod of pods) {
    // The Job's controller reference, not a label (anyone may label a pod), says the pod is one of its shards.
    const ownedByJob = (pod.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === job.metadata?.uid);
    if (!ownedByJob || pod.status?.phase !== 'Succeeded') continue;
    const index = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
    const state = terminated(pod);
    const summary = parseSummary(state?.message);
    if (index === undefined || summary === undefined || state?.exitCode !== 0) continue;
    const at = toIso(state.finishedAt) ?? '';
    if ((finishedAt.get(index) ?? '') > at) continue;
    summaries.set(index, summary);
    finishedAt.set(index, at);
    if (at !== '' && (lastFinished === undefined || at > lastFinished)) lastFinished = at;
  }
  return { summaries, lastFinished };
}

export interface RunObservation {
  job: V1Job | undefined;
  pods: readonly V1Pod[];
  /** Where the run writes (resolved for a scheduled run's Job). */
  outputUri: string;
}

export interface BatchStatusInput {
  previous: BatchInferenceStatus | undefined;
  generation: number;
  shards: number;
  /** What kubectl shows in MODEL and status.modelUri. */
  model: { description: string; uri: string | undefined; revision: string | undefined } | undefined;
  run: RunObservation;
  /** Present for a schedule. */
  cronJob?: V1CronJob | undefined;
  scheduled: boolean;
  /** Set when the run could not be started (unknown InferenceService, conflicting Job, ...). */
  problem?: { reason: string; message: string } | undefined;
  now: string;
}

function jobCondition(job: V1Job | undefined, type: string) {
  return job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

const rate = (rows: number, from: string | undefined, to: string | undefined): number | undefined => {
  if (from === undefined || to === undefined) return undefined;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return seconds > 0 ? Math.round((rows / seconds) * 10) / 10 : undefined;
};

const cond = (type: string, status: boolean, reason: string, message: string, generation: number): Condition => ({
  type, status: status ? 'True' : 'False', reason, message: message.slice(0, 1024), observedGeneration: generation,
});

/** The whole status for one observation. */
export function computeBatchStatus(input: BatchStatusInput): BatchInferenceStatus {
  const { job, pods } = input.run;
  const complete = jobCondition(job, 'Complete');
  const failed = jobCondition(job, 'Failed');
  const { summaries, lastFinished } = job === undefined ? { summaries: new Map<string, ShardSummary>(), lastFinished: undefined } : shardSummaries(job, pods);
  let rowsScored = 0;
  let rowsFailed = 0;
  for (const s of summaries.values()) { rowsScored += s.rowsScored; rowsFailed += s.rowsFailed; }
  const shards = job?.spec?.completions ?? input.shards;
  const succeeded = countIndexes(job?.status?.completedIndexes);
  const shardsFailed = countIndexes(job?.status?.failedIndexes ?? undefined);
  const startTime = toIso(job?.status?.startTime);
  const completionTime = toIso(job?.status?.completionTime) ?? (failed !== undefined ? toIso(failed.lastTransitionTime) : undefined);
  const active = job !== undefined && complete === undefined && failed === undefined;
  const progress = `${succeeded}/${shards}`;
  const summary = `${progress} shards, ${rowsScored} rows scored, ${rowsFailed} rows failed`;
  const g = input.generation;

  let phase: NonNullable<BatchInferenceStatus['phase']>;
  let running: Condition;
  let done: Condition;
  let fail: Condition;
  if (input.problem !== undefined) {
    const invalid = input.problem.reason === 'InvalidSpec';
    phase = invalid ? 'Invalid' : 'Pending';
    running = cond(RUNNING, false, input.problem.reason, input.problem.message, g);
    done = cond(COMPLETE, false, input.problem.reason, input.problem.message, g);
    fail = cond(FAILED, invalid, input.problem.reason, input.problem.message, g);
  } else if (job === undefined) {
    phase = input.scheduled ? 'Scheduled' : 'Pending';
    const why = input.scheduled ? 'waiting for the first scheduled run' : 'creating the Job';
    running = cond(RUNNING, false, input.scheduled ? 'Scheduled' : 'Pending', why, g);
    done = cond(COMPLETE, false, input.scheduled ? 'Scheduled' : 'Pending', why, g);
    fail = cond(FAILED, false, input.scheduled ? 'Scheduled' : 'Pending', why, g);
  } else {
    phase = active ? 'Running' : input.scheduled ? 'Scheduled' : complete !== undefined ? 'Complete' : 'Failed';
    running = active ? cond(RUNNING, true, 'ShardsRunning', summary, g) : cond(RUNNING, false, complete !== undefined ? 'RunComplete' : 'RunFailed', summary, g);
    done = complete !== undefined ? cond(COMPLETE, true, 'RunComplete', `${summary}; output at ${input.run.outputUri}`, g) : cond(COMPLETE, false, active ? 'ShardsRunning' : 'RunFailed', summary, g);
    fail = failed !== undefined
      ? cond(FAILED, true, failed.reason ?? 'RunFailed', `${failed.message ?? 'the Job failed'} (${summary}, ${shardsFailed} shards failed)`, g)
      : cond(FAILED, false, active ? 'ShardsRunning' : 'RunComplete', summary, g);
  }
  let conditions = input.previous?.conditions ?? [];
  for (const c of [running, done, fail]) conditions = setCondition(conditions, c, input.now);

  const rowsPerSecond = rate(rowsScored, startTime, completionTime ?? lastFinished);
  const cron = input.cronJob?.status;
  const status: BatchInferenceStatus = {
    observedGeneration: g,
    conditions,
    phase,
    ...(input.model !== undefined ? { model: input.model.description } : {}),
    ...(input.model?.revision !== undefined ? { revision: input.model.revision } : {}),
    ...(input.model?.uri !== undefined ? { modelUri: input.model.uri } : {}),
    ...(job?.metadata?.name !== undefined ? { jobName: job.metadata.name } : {}),
    ...(input.cronJob?.metadata?.name !== undefined ? { cronJobName: input.cronJob.metadata.name } : {}),
    shards,
    shardsSucceeded: succeeded,
    shardsFailed,
    progress,
    rowsScored,
    rowsFailed,
    ...(rowsPerSecond !== undefined ? { rowsPerSecond } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(completionTime !== undefined ? { completionTime } : {}),
    ...(cron?.lastScheduleTime !== undefined ? { lastScheduleTime: toIso(cron.lastScheduleTime)! } : {}),
    ...(job !== undefined ? { outputUri: input.run.outputUri } : {}),
  };
  return status;
}

/** A run without a schedule that finished at this generation: nothing about it changes any more. */
export function finished(status: BatchInferenceStatus | undefined, generation: number): boolean {
  if (status?.observedGeneration !== generation || status.jobName === undefined) return false;
  return (status.conditions ?? []).some((c) => (c.type === COMPLETE || c.type === FAILED) && c.status === 'True' && c.reason !== 'InvalidSpec');
}

/** Events owed for the change from `before` to `after`. */
export function batchTransitionEvents(before: BatchInferenceStatus | undefined, after: BatchInferenceStatus): Array<{ type: 'Normal' | 'Warning'; reason: string; message: string }> {
  const get = (s: BatchInferenceStatus | undefined, t: string) => s?.conditions?.find((c) => c.type === t);
  const events: Array<{ type: 'Normal' | 'Warning'; reason: string; message: string }> = [];
  const becameTrue = (t: string) => get(after, t)?.status === 'True' && (get(before, t)?.status !== 'True' || before?.jobName !== after.jobName);
  if (becameTrue(COMPLETE)) events.push({ type: 'Normal', reason: 'BatchComplete', message: get(after, COMPLETE)!.message ?? '' });
  if (becameTrue(FAILED)) events.push({ type: 'Warning', reason: get(after, FAILED)!.reason === 'InvalidSpec' ? 'InvalidSpec' : 'BatchFailed', message: get(after, FAILED)!.message ?? '' });
  const pending = get(after, RUNNING);
  if (after.phase === 'Pending' && pending?.reason !== 'Pending' && (get(before, RUNNING)?.reason !== pending?.reason || get(before, RUNNING)?.message !== pending?.message)) {
    events.push({ type: 'Warning', reason: pending?.reason ?? 'Pending', message: pending?.message ?? '' });
  }
  if (becameTrue(RUNNING)) events.push({ type: 'Normal', reason: 'BatchStarted', message: `${after.shards ?? 0} shards, output at ${after.outputUri ?? ''}` });
  return events;
}
