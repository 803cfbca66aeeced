import { defineSelector } from '@devbinder/plugin-sdk/guest';

/** Harmless code; the harm is in what the component imports (it is built with WASI features on). */
export const { interest, select } = defineSelector({
  parse: (argument) => argument,
  interest: () => ({ filters: [{ hasNode: true }], properties: [] }),
  *select(_argument, devices) {
    console.log(`${Date.now()} ${Math.random()}`);
    const [first] = devices;
    if (first) yield { device: first, reason: 'chosen by a plugin with host imports' };
  },
});
