import { defineSelector } from '@devbinder/plugin-sdk/guest';

function spin(): never {
  for (;;) {
    // Nothing: a plugin that never answers.
  }
}

export const { interest, select } = defineSelector({
  parse: (argument) => argument,
  interest(argument) {
    if (argument === 'interest') spin();
    return { filters: [{ hasNode: true }], properties: [] };
  },
  select: () => spin(),
});
