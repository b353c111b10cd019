// Events for traffic transitions, derived from one status change: a revision
// rolled out, the split moved, a rollback, and a canary that cannot take its
// share (Warning, with the reason from the TrafficReady condition).
import type { InferenceServiceStatus } from '../api/types.ts';
import type { EventSpec } from '../event-spec.ts';

const TRAFFIC_READY = 'TrafficReady';
const WARN_REASONS = new Set(['CanaryFailed', 'RevisionFailed', 'RolledOutRevisionNotReady', 'VariantFailed', 'MainNotReady']);

function split(status: InferenceServiceStatus | undefined): string {
  return (status?.components?.predictor?.traffic ?? [])
    .filter((t) => t.revisionName !== undefined)
    .map((t) => `${t.revisionName} ${t.percent ?? 0}%`)
    .join(', ');
}

export function trafficEvents(before: InferenceServiceStatus | undefined, after: InferenceServiceStatus): EventSpec[] {
  const events: EventSpec[] = [];
  const was = before?.components?.predictor;
  const now = after.components?.predictor;
  if (now?.latestRolledoutRevision !== undefined && now.latestRolledoutRevision !== was?.latestRolledoutRevision) {
    const prev = now.previousRolledoutRevision !== undefined ? ` (previously ${now.previousRolledoutRevision})` : '';
    events.push({ type: 'Normal', reason: 'RevisionRolledOut', message: `revision ${now.latestRolledoutRevision} takes all traffic${prev}` });
  }
  const [from, to] = [split(before), split(after)];
  if (to !== '' && from !== to && (now?.traffic?.length ?? 0) > 1) events.push({ type: 'Normal', reason: 'TrafficShifted', message: to });
  const condition = after.conditions?.find((c) => c.type === TRAFFIC_READY);
  const previous = before?.conditions?.find((c) => c.type === TRAFFIC_READY);
  if (condition?.reason !== undefined && condition.reason !== previous?.reason) {
    if (WARN_REASONS.has(condition.reason)) events.push({ type: 'Warning', reason: condition.reason, message: (condition.message ?? '').slice(0, 1024) });
    if (condition.reason === 'RolledBack') events.push({ type: 'Normal', reason: 'RolledBack', message: condition.message ?? '' });
  }
  return events;
}
