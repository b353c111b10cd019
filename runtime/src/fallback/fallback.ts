// What answers when the primary model cannot (issue 11, `--fallback-*`): a
// second small ONNX model on its own worker and queue, or a static response.
// It answers only the failures it is configured for: the primary's queue is
// full (queueFull), a request waited in the queue past the deadline
// (deadline), or the primary's run failed (error). Anything else (bad input,
// draining, a gone client) keeps its own answer, and a fallback that fails
// too leaves the primary's 503/500 as it was.
import { InferenceError, QueueFullError, QueueTimeoutError } from '../errors.ts';
import { copyTensors } from '../protocol/copy.ts';
import type { InferRequest, Tensor } from '../protocol/types.ts';
import type { RequestTrace } from '../tracing/types.ts';

export const FALLBACK_TRIGGERS = ['queueFull', 'deadline', 'error'] as const;
export type FallbackTrigger = (typeof FALLBACK_TRIGGERS)[number];

/** modelship_fallback_total's `reason` label for each trigger (snake case, as the runtime's other labels). */
export const FALLBACK_REASON_LABEL: Readonly<Record<FallbackTrigger, string>> = { queueFull: 'queue_full', deadline: 'deadline', error: 'error' };

/** Something that answers a validated request instead of the primary. */
export interface Answerer {
  answer(request: InferRequest, trace?: RequestTrace): Promise<Tensor[]>;
  close(): Promise<void>;
}

/** The trigger a primary failure matches, when it is one the fallback is configured for. */
export function triggerOf(error: unknown, on: ReadonlySet<FallbackTrigger>): FallbackTrigger | undefined {
  const trigger: FallbackTrigger | undefined =
    error instanceof QueueFullError ? 'queueFull' : error instanceof QueueTimeoutError ? 'deadline' : error instanceof InferenceError ? 'error' : undefined;
  return trigger !== undefined && on.has(trigger) ? trigger : undefined;
}

/** An inference outcome: the outputs, and the trigger when the fallback answered. */
export interface Answered {
  readonly outputs: Tensor[];
  readonly fallback: FallbackTrigger | undefined;
  /** Features with a value outside the training range (--input-policy flag); absent or empty when none. */
  readonly outOfRange?: readonly string[] | undefined;
}

export interface FallbackHooks {
  answered(trigger: FallbackTrigger): void;
  failed(trigger: FallbackTrigger, error: unknown): void;
}

export class Fallback {
  readonly on: ReadonlySet<FallbackTrigger>;
  readonly #answerer: Answerer;
  readonly #hooks: FallbackHooks;
  /** A model answerer needs the inputs after the primary's run moved them to its worker: keep a copy then. */
  readonly #needsInputs: boolean;

  constructor(on: ReadonlySet<FallbackTrigger>, answerer: Answerer, hooks: FallbackHooks, needsInputsAfterRun: boolean) {
    this.on = on;
    this.#answerer = answerer;
    this.#hooks = hooks;
    this.#needsInputs = needsInputsAfterRun && on.has('error');
  }

  /** Runs `primary`; on a configured failure, answers from the fallback instead (or rethrows the primary's error). */
  async infer(request: InferRequest, primary: (request: InferRequest) => Promise<Tensor[]>, trace?: RequestTrace): Promise<Answered> {
    const kept = this.#needsInputs ? { ...request, inputs: copyTensors(request.inputs) } : request;
    try {
      return { outputs: await primary(request), fallback: undefined };
    } catch (error) {
      const trigger = triggerOf(error, this.on);
      if (trigger === undefined) throw error;
      let outputs: Tensor[];
      try {
        outputs = await this.#answerer.answer(kept, trace);
      } catch (fallbackError) {
        this.#hooks.failed(trigger, fallbackError);
        throw error;
      }
      this.#hooks.answered(trigger);
      return { outputs, fallback: trigger };
    }
  }

  close(): Promise<void> {
    return this.#answerer.close();
  }
}
