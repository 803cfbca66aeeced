import type { Definitions } from './memory-cap.js';

/**
 * How a plugin's caps are shared. A component may instantiate a core module several times, or
 * have several modules that define memories or tables; capping each at the whole cap would give it
 * N times the cap. So each cap is divided among every memory (table) the component instantiates,
 * and the worker counts the instantiations as they happen and refuses any beyond the plan.
 */

/**
 * Table entries a plugin may have in all. Tables live in its worker's JS heap (256 MiB); a
 * StarlingMonkey selector has one fixed table of ~7,700 functions.
 */
export const TABLE_ELEMENTS_CAP = 1_000_000;

/** What a transpiled component instantiates: pure data, kept with the transpiled files. */
export interface MemoryPlan {
  /** Core module file → how many times the glue instantiates it. */
  instantiations: Record<string, number>;
  /** Core module file → the memories and tables it defines. */
  definitions: Record<string, Definitions>;
}

export class MemoryPlanError extends Error {
  override name = 'MemoryPlanError';
}

/**
 * Reads the plan from the glue jco generated (ours, not the plugin's): it fetches each module
 * once (`const module0 = getCoreModule('component.core.wasm')`) and instantiates it at straight-line
 * call sites (`instantiateCore(yield module0, …)`), one per core instance of the component.
 */
export function planMemories(glue: string, definitions: Record<string, Definitions>): MemoryPlan {
  const files = new Map<string, string>();
  for (const [, variable = '', file = ''] of glue.matchAll(
    /const (module\d+) = getCoreModule\('([^']+)'\)/g,
  )) {
    files.set(variable, file);
  }
  const calls = glue.split('instantiateCore(').length - 1;
  const instantiations: Record<string, number> = {};
  let counted = 0;
  for (const [, variable = ''] of glue.matchAll(/instantiateCore\(yield (module\d+)\b/g)) {
    const file = files.get(variable);
    if (file === undefined || !Object.hasOwn(definitions, file)) {
      throw new MemoryPlanError(`its glue instantiates ${variable}, a module it does not fetch`);
    }
    instantiations[file] = (instantiations[file] ?? 0) + 1;
    counted++;
  }
  if (counted === 0 || counted !== calls) {
    throw new MemoryPlanError(
      `cannot tell from its glue what it instantiates (${counted} of ${calls} instantiations understood)`,
    );
  }
  return { instantiations, definitions };
}

/** How many memories and tables the component instantiates in all: each cap is divided among them. */
export function instantiatedDefinitions(plan: MemoryPlan): Definitions {
  const total = { memories: 0, tables: 0 };
  for (const [file, times] of Object.entries(plan.instantiations)) {
    total.memories += times * (plan.definitions[file]?.memories ?? 0);
    total.tables += times * (plan.definitions[file]?.tables ?? 0);
  }
  return total;
}

/** Each memory's share of the cap, in whole wasm pages (64 KiB) as memories are sized. */
export function memoryShareBytes(plan: MemoryPlan, capBytes: number): number {
  const page = 64 * 1024;
  const { memories } = instantiatedDefinitions(plan);
  return Math.floor(capBytes / page / Math.max(1, memories)) * page;
}

/** Each table's share of TABLE_ELEMENTS_CAP. */
export function tableShareElements(plan: MemoryPlan): number {
  return Math.floor(TABLE_ELEMENTS_CAP / Math.max(1, instantiatedDefinitions(plan).tables));
}
