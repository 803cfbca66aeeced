import type { Device } from '@devbinder/plugin-sdk/guest';
import type { ChainField, Clause, SelfField } from './syntax.js';

interface ChainClause {
  clause: Clause;
  field: ChainField;
}

/**
 * Why a device matches all clauses (the clauses, and the ancestor each upward clause held on), or
 * undefined when it does not. As in udev, a missing value is the empty string:
 * `ENV{ID_SEAT}!="seat1"` holds for a device without ID_SEAT.
 */
export function explainMatch(device: Device, clauses: readonly Clause[]): string | undefined {
  const heldOn = new Map<Clause, Device>();
  const chain: ChainClause[] = [];
  for (const clause of clauses) {
    const { key } = clause;
    if (key.kind === 'self') {
      if (!holds(clause, selfValues(device, key.field))) return undefined;
    } else if (key.kind === 'env') {
      if (!holds(clause, [device.property(key.name) ?? ''])) return undefined;
    } else if (key.kind === 'parent') {
      const found = device
        .ancestors()
        .find((ancestor) => clause.matches(ancestor.property(key.name) ?? ''));
      if (clause.negated ? found : !found) return undefined;
      if (found) heldOn.set(clause, found);
    } else chain.push({ clause, field: key.field });
  }
  if (chain.length > 0) {
    const on = chainMatch(device, chain);
    if (on === undefined) return undefined;
    if (on && on !== device) for (const { clause } of chain) heldOn.set(clause, on);
  }
  return clauses
    .map((clause) => {
      const on = heldOn.get(clause);
      return on && !clause.negated ? `${clause.text} (on ${on.sysname})` : clause.text;
    })
    .join(', ');
}

/** `==` holds when any value matches (a device has several tags and symlinks); `!=` when none does. */
function holds(clause: Clause, values: readonly string[]): boolean {
  const any = values.length === 0 ? clause.matches('') : values.some(clause.matches);
  return any !== clause.negated;
}

function selfValues(device: Device, field: SelfField | ChainField): readonly string[] {
  switch (field) {
    case 'KERNEL':
    case 'KERNELS':
      return [device.sysname];
    case 'SUBSYSTEM':
    case 'SUBSYSTEMS':
      return [device.subsystem ?? ''];
    case 'DRIVER':
    case 'DRIVERS':
      return [device.driver ?? ''];
    case 'DEVPATH':
      return [device.syspath.replace(/^\/sys/, '')];
    case 'TAG':
    case 'TAGS':
      return device.tags;
    case 'SYMLINK':
      return device.symlinks.map((link) => link.replace(/^\/dev\//, ''));
  }
}

/**
 * udev's upward search: every positive chain clause must hold on one and the same device, the
 * device itself or an ancestor; a negated one must hold on none. Returns that device, null when
 * only negated clauses were asked (nothing to point at), undefined when the chain does not match.
 */
function chainMatch(device: Device, clauses: readonly ChainClause[]): Device | null | undefined {
  const lineage = device.lineage();
  const holdsOn = (candidate: Device, { clause, field }: ChainClause) =>
    selfValues(candidate, field).some(clause.matches);
  for (const chained of clauses.filter(({ clause }) => clause.negated)) {
    if (lineage.some((candidate) => holdsOn(candidate, chained))) return undefined;
  }
  const positive = clauses.filter(({ clause }) => !clause.negated);
  if (positive.length === 0) return null;
  return lineage.find((candidate) => positive.every((chained) => holdsOn(candidate, chained)));
}
