import { setFlagsFromString } from 'node:v8';

let tuned = false;

/**
 * Tunes V8 for a process that runs a few plugins once and exits (the hook, `explain`). A selector
 * component is a 12 MB JavaScript engine: by default V8 validates all of it at compile time and
 * recompiles hot functions with its optimizing tier on background threads, work a short run never
 * profits from and which competes with it for the CPU (measured on 2 cores: explain with three
 * cold plugins 2.4 s -> 1.6 s). Baseline code only, validated when first called, is as safe: a
 * function is still validated before it runs. Process-wide, so a long-running host (the daemon)
 * should not ask for it.
 */
export function tuneForShortRuns(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--liftoff-only');
  setFlagsFromString('--wasm-lazy-validation');
}
