import { type DeviceFilter, defineSelector, type Interest } from '@devbinder/plugin-sdk/guest';
import { explainMatch } from './evaluate.js';
import { type Clause, parseMatch } from './syntax.js';

/**
 * What the host can filter natively: the positive clauses on the device's own subsystem, kernel
 * name, tag and one property become one filter (the host checks all of its fields); the plugin
 * still checks every clause. Ancestors are offered only when a clause looks at them, and only the
 * properties the clauses name.
 */
export function interestOf(clauses: readonly Clause[]): Interest {
  const filter: DeviceFilter = { hasNode: true };
  const properties = new Set<string>();
  let ancestors = false;
  for (const { key, negated, pattern, matches } of clauses) {
    if (key.kind === 'env' || key.kind === 'parent') properties.add(key.name);
    if (key.kind === 'chain' || key.kind === 'parent') ancestors = true;
    // A missing value reads as "" here, as in udev; the host's filters never match a missing
    // value, so a pattern that matches "" cannot be left to them.
    if (negated || matches('')) continue;
    if (key.kind === 'self' && key.field === 'SUBSYSTEM') filter.subsystem ??= pattern;
    if (key.kind === 'self' && key.field === 'KERNEL') filter.sysname ??= pattern;
    if (key.kind === 'self' && key.field === 'TAG') filter.tag ??= pattern;
    if (key.kind === 'env') filter.property ??= [key.name, pattern];
  }
  return { filters: [filter], ancestors, properties: [...properties] };
}

export const { interest, select } = defineSelector({
  parse: parseMatch,
  interest: interestOf,
  *select(clauses, devices) {
    for (const device of devices) {
      // Only device nodes: an ancestor offered for context is not chosen for its own sake.
      if (!device.devnode) continue;
      const reason = explainMatch(device, clauses);
      if (reason !== undefined) yield { device, reason };
    }
  },
});
