import { ArgumentError, defineSelector } from '@devbinder/plugin-sdk/guest';

const MiB = 1024 * 1024;

export const { interest, select } = defineSelector({
  parse(argument): number {
    if (argument === 'forever') return Number.POSITIVE_INFINITY;
    if (!/^[0-9]+$/.test(argument))
      throw new ArgumentError('expected a number of MiB or "forever"');
    return Number(argument);
  },
  interest: () => ({ filters: [{ hasNode: true }], properties: [] }),
  select(mebibytes) {
    // Touched, so the memory is really there; kept, so nothing can be collected.
    const kept: Uint8Array[] = [];
    for (let i = 0; i < mebibytes; i++) kept.push(new Uint8Array(MiB).fill(i & 0xff));
    return [];
  },
});
