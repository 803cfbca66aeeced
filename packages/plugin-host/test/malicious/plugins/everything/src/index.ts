import { defineSelector } from '@devbinder/plugin-sdk/guest';

export const { interest, select } = defineSelector({
  parse: (argument) => argument,
  // With an argument the host offers only that subsystem: the plugin cannot reach further.
  interest: (subsystem) => (subsystem === '' ? {} : { filters: [{ subsystem }] }),
  *select(_argument, devices) {
    for (const device of devices) yield { device, reason: 'everything it was offered' };
  },
});
