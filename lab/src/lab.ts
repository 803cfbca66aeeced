import { afterAll, beforeAll, inject } from 'vitest';
import type { DeviceSpec } from './devices.js';
import { LabHost } from './host.js';

export type { DeviceSpec } from './devices.js';
export type { Annotations, ContainerView, LabHost } from './host.js';

/**
 * The one call a scenario file makes: a fresh lab host for the file, booted before its tests with
 * these devices laid down, and stopped (devices given back to the kernel) after them. Returns an
 * accessor, since the host only exists once the tests run.
 */
export function useLabHost(devices: Readonly<Record<string, DeviceSpec>> = {}): () => LabHost {
  let host: LabHost | undefined;
  beforeAll(async () => {
    // testcontainers reads these when it first connects (in this worker, not the global setup).
    process.env.DOCKER_HOST = inject('dockerHost');
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
    host = await LabHost.start(inject('labImage'));
    await host.addDevices(devices);
  });
  afterAll(async () => {
    await host?.stop();
  });
  return () => {
    if (!host) throw new Error('the lab host did not start: see the error of the beforeAll hook');
    return host;
  };
}
