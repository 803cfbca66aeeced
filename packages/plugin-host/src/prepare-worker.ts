import { parentPort, workerData } from 'node:worker_threads';
import { readVerified } from './digest.js';
import { PluginError } from './errors.js';
import type { PrepareReply, PrepareRequest } from './protocol.js';
import { TranspileCache } from './transpile-cache.js';

/**
 * The host's own work on a component it has not seen before, off the host's thread: read it once,
 * hash those bytes against the manifest, transpile them, cap its memories. Seconds of CPU on a
 * 12 MB component that would otherwise stall every other plugin's messages and timers.
 */
const request = workerData as PrepareRequest;
const port = parentPort;
if (!port) throw new Error('prepare-worker.js must run as a worker thread');

async function prepare(): Promise<PrepareReply> {
  const { file, stampDir, cacheDir, memoryMiB, stamped } = request;
  let bytes: Uint8Array | undefined;
  const verifiedBytes = () => {
    bytes ??= readVerified(file, stampDir);
    return bytes;
  };
  // A component without a valid stamp is verified even when its transpiled form is cached.
  if (!stamped) verifiedBytes();
  const prepared = await new TranspileCache(cacheDir).fill(
    file.plugin,
    file.sha256,
    verifiedBytes,
    memoryMiB,
  );
  return { type: 'prepared', prepared };
}

port.postMessage(
  await prepare().catch(
    (error: unknown): PrepareReply =>
      error instanceof PluginError
        ? { type: 'failed', kind: error.kind, detail: error.detail }
        : {
            type: 'failed',
            kind: 'load-failed',
            detail: String((error as Error)?.message ?? error),
          },
  ),
);
