import { describe, expect, it } from 'vitest';
import {
  instantiatedDefinitions,
  MemoryPlanError,
  memoryShareBytes,
  planMemories,
  TABLE_ELEMENTS_CAP,
  tableShareElements,
} from '../src/memory-plan.js';

/** The shape of the glue jco writes: modules fetched once, instantiated at straight-line sites. */
const glue = `
  const module0 = getCoreModule('component.core.wasm');
  const module1 = getCoreModule('component.core2.wasm');
  ({ exports: exports0 } = yield instantiateCore(yield module0));
  ({ exports: exports1 } = yield instantiateCore(yield module0));
  ({ exports: exports2 } = yield instantiateCore(yield module1, { first: exports0 }));
`;
const definitions = {
  'component.core.wasm': { memories: 1, tables: 1 },
  'component.core2.wasm': { memories: 0, tables: 2 },
};
const MiB = 2 ** 20;

describe('planMemories', () => {
  it('counts every memory and table of every instantiation', () => {
    const plan = planMemories(glue, definitions);
    expect(plan.instantiations).toEqual({ 'component.core.wasm': 2, 'component.core2.wasm': 1 });
    expect(instantiatedDefinitions(plan)).toEqual({ memories: 2, tables: 4 });
  });

  it('divides the caps among them, memories in whole pages', () => {
    const plan = planMemories(glue, definitions);
    expect(memoryShareBytes(plan, 256 * MiB)).toBe(128 * MiB);
    expect(memoryShareBytes(plan, 100 * MiB + 64 * 1024)).toBe(50 * MiB);
    expect(tableShareElements(plan)).toBe(TABLE_ELEMENTS_CAP / 4);
  });

  it('gives a single memory the whole cap', () => {
    const plan = planMemories(
      "const module0 = getCoreModule('component.core.wasm');\ninstantiateCore(yield module0)",
      { 'component.core.wasm': { memories: 1, tables: 1 } },
    );
    expect(memoryShareBytes(plan, 256 * MiB)).toBe(256 * MiB);
    expect(tableShareElements(plan)).toBe(TABLE_ELEMENTS_CAP);
  });

  it.each([
    ['no instantiation at all', "const module0 = getCoreModule('component.core.wasm');"],
    ['an instantiation it cannot read', `${glue}\n  yield instantiateCore(modules[i]);`],
    ['a module it does not fetch', 'instantiateCore(yield module7)'],
  ])('refuses glue with %s', (_, text) => {
    expect(() => planMemories(text, definitions)).toThrow(MemoryPlanError);
  });
});
