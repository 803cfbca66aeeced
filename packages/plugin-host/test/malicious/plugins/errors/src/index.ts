import { defineSelector } from '@devbinder/plugin-sdk/guest';

export const { interest, select } = defineSelector({
  parse: (argument) => argument,
  interest: () => ({ filters: [{ hasNode: true }], properties: [] }),
  *select(argument) {
    if (argument === 'megabyte') throw new Error(`${'x'.repeat(1024 * 1024)}`);
    if (argument === 'bug') {
      const missing = JSON.parse('null') as { device: { name: string } };
      yield missing.device.name as never;
    }
  },
});
