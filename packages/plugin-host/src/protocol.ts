import type { WireSelectorError } from '@devbinder/plugin-sdk';

/** Messages between the host and a plugin worker. */
export interface WorkerSetup {
  glue: string;
  /** Core module files, their memories already capped. */
  coreModules: Record<string, string>;
  /** The cap, to tell a trap at the cap from any other. */
  memoryCapBytes: number;
}

export type Operation = 'interest' | 'select';

export interface CallRequest {
  id: number;
  operation: Operation;
  args: string[];
  /** Longest answer accepted, in bytes of its JSON; longer ones never leave the worker. */
  maxResultBytes: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'oversized'; id: number; bytes: number }
  /** The plugin's own error; `memoryMiB` when its memory had reached the cap (the likely cause). */
  | { type: 'rejected'; id: number; error: WireSelectorError; memoryMiB: number | undefined }
  /** The guest trapped or broke the glue; the instance is unusable afterwards. */
  | { type: 'trapped'; id: number; message: string; memoryMiB: number | undefined };
