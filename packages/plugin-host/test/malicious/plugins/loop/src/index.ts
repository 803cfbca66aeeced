import { defineSelector } from '@devbinder/plugin-sdk/guest';

function spin(): never {
  for (;;) {
    // Nothing: a plugin that never answers.
  }
}

/** `select` and `interest` spin there; any other argument answers at once, choosing nothing. */
export const { interest, select } = defineSelector({
  parse: (argument) => argument,
  interest(argument) {
    if (argument === 'interest') spin();
    return { filters: [{ hasNode: true }], properties: [] };
  },
  select: (argument) => (argument === 'select' ? spin() : []),
});
