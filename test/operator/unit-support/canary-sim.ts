// Test helper: a tiny world the planner drives, standing in for the cluster.
// Each step plans from what the world holds, then does what the reconciler
// would: runs the planned revisions (new ones start with no ready pod),
// retires the rest and records the status. Tests then flip readiness.
import type { DefaultedPredictor, FailureInfo } from '../../../operator/src/api/types.ts';
import { defaulted } from './fixtures.ts';
import { planTraffic, type ObservedRevision, type PreviousStatus, type TrafficMode, type TrafficPlan } from '../../../operator/src/canary/plan.ts';
import type { VariantInput } from '../../../operator/src/canary/variants.ts';

export function predictorFor(version: string, extra: Partial<DefaultedPredictor> = {}): DefaultedPredictor {
  return defaulted({ model: { modelFormat: { name: 'onnx' }, storageUri: `s3://models/iris-${version}.onnx` }, ...extra }).spec.predictor;
}

export class World {
  spec: DefaultedPredictor;
  /** Named variants and the shadow (variants.ts); none by default. */
  variants: VariantInput[] = [];
  shadow: { percent: number; predictor: DefaultedPredictor } | undefined;
  readonly revisions = new Map<string, ObservedRevision>();
  previous: PreviousStatus = { percents: {} };
  readonly mode: TrafficMode;
  last: TrafficPlan | undefined;
  /** spec.predictor.rollbackWindowSeconds as the planner gets it (0: none), and the world's clock in ms. */
  rollbackWindowSeconds = 0;
  now = Date.parse('2026-11-29T12:00:00Z');

  constructor(spec: DefaultedPredictor, mode: TrafficMode = 'gatewayApi') {
    this.spec = spec;
    this.mode = mode;
  }

  /** `predictor` stands in for the spec when something else sets the percent (an automated rollout). */
  plan(predictor: DefaultedPredictor = this.spec): TrafficPlan {
    return planTraffic({
      isvcName: 'iris',
      predictor,
      observed: [...this.revisions.values()],
      previous: this.previous,
      mode: this.mode,
      maxApportionedReplicas: 10,
      rollbackWindow: { seconds: this.rollbackWindowSeconds, now: this.now },
      ...(this.variants.length > 0 ? { variants: this.variants } : {}),
      ...(this.shadow !== undefined ? { shadow: this.shadow } : {}),
    });
  }

  step(predictor: DefaultedPredictor = this.spec): TrafficPlan {
    const plan = this.plan(predictor);
    for (const r of plan.revisions) {
      if (!this.revisions.has(r.name)) this.revisions.set(r.name, { name: r.name, predictor: r.spec, readyPods: 0 });
    }
    for (const name of plan.retire) this.revisions.delete(name);
    this.previous = {
      ...(plan.status.latestRolledoutRevision !== undefined ? { latestRolledoutRevision: plan.status.latestRolledoutRevision } : {}),
      ...(plan.status.previousRolledoutRevision !== undefined ? { previousRolledoutRevision: plan.status.previousRolledoutRevision } : {}),
      percents: Object.fromEntries(plan.status.traffic.map((t) => [t.revisionName ?? '', t.percent ?? 0])),
      ...(plan.status.rollbackWindow !== undefined ? { rollbackWindow: plan.status.rollbackWindow } : {}),
    };
    this.last = plan;
    return plan;
  }

  /** Sets the ready pods of a revision (the latest when unnamed) and steps. */
  ready(pods: number, name = this.plan().latest): TrafficPlan {
    const r = this.revisions.get(name);
    // A pod that became ready means the model loaded: any earlier failure is over.
    if (r !== undefined) this.revisions.set(name, pods > 0 ? { name, predictor: r.predictor, readyPods: pods } : { ...r, readyPods: 0 });
    return this.step();
  }

  fail(name = this.plan().latest, failure: FailureInfo = { reason: 'Error', message: 'failed to load model: invalid protobuf', location: 'pod/x/model-server' }): TrafficPlan {
    const r = this.revisions.get(name);
    if (r !== undefined) this.revisions.set(name, { ...r, readyPods: 0, failure });
    return this.step();
  }

  edit(spec: DefaultedPredictor): TrafficPlan {
    this.spec = spec;
    return this.step();
  }

  percent(percent: number | undefined): TrafficPlan {
    const { canaryTrafficPercent: _old, ...rest } = this.spec;
    this.spec = percent === undefined ? rest : { ...rest, canaryTrafficPercent: percent };
    return this.step();
  }

  /** Moves the clock, then steps. */
  tick(ms: number): TrafficPlan {
    this.now += ms;
    return this.step();
  }

  /** Replaces the variants and the shadow, then steps. */
  setVariants(variants: VariantInput[], shadow?: { percent: number; predictor: DefaultedPredictor }): TrafficPlan {
    this.variants = variants;
    this.shadow = shadow;
    return this.step();
  }

  /** revision name -> percent, in plan order. */
  static weights(plan: TrafficPlan): Record<string, number> {
    return Object.fromEntries(plan.revisions.map((r) => [r.name, r.percent]));
  }
}
