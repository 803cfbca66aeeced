import { Worker } from 'node:worker_threads';
import { PluginError } from './errors.js';
import type { PrepareReply, PrepareRequest } from './protocol.js';
import type { PreparedComponent, TranspileCache } from './transpile-cache.js';

/**
 * Runs the host's work on a component (prepare-worker.ts) in a worker of its own, so this thread
 * stays free for the other plugins' messages and timers, and stops it at `deadlineMs`.
 */
export function prepareInWorker(
  request: PrepareRequest,
  deadlineMs: number,
  cache: TranspileCache,
): Promise<PreparedComponent> {
  const { plugin } = request.file;
  return new Promise<PreparedComponent>((resolve, reject) => {
    const worker = new Worker(new URL('./prepare-worker.js', import.meta.url), {
      workerData: request,
      stdout: true,
      stderr: true,
    });
    worker.unref();
    let settled = false;
    const finish = (outcome: PreparedComponent | PluginError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof PluginError) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish(
        new PluginError(
          plugin,
          'deadline',
          `the host did not finish preparing its component (verifying, transpiling, capping its memory) within ${deadlineMs} ms (prepareDeadlineMs)`,
        ),
      );
      const stopped = worker.threadId;
      void worker.terminate().then(() => cache.discardStaging(stopped));
    }, deadlineMs);
    worker.on('message', (reply: PrepareReply) =>
      finish(
        reply.type === 'prepared'
          ? reply.prepared
          : new PluginError(plugin, reply.kind, reply.detail),
      ),
    );
    worker.on('error', (error) =>
      finish(
        new PluginError(plugin, 'load-failed', `the host could not prepare it: ${error.message}`),
      ),
    );
    worker.on('exit', () =>
      finish(
        new PluginError(plugin, 'load-failed', 'the host could not prepare it: its worker exited'),
      ),
    );
  });
}
