// An Event the reconciler owes for a status transition: decided by pure
// functions in canary/ and controller/, posted by controller/events.ts.

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}
