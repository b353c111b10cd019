// JSON with object keys sorted and undefined members dropped, so equal values
// serialize to equal strings: the input of revision names and desired-object
// hashes. A leaf shared by the canary planner and the controller.

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, stable((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(stable(value));
}
