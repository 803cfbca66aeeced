import type { WireDevice } from '../wire.js';

/** A device as a selector sees it. `parent` is set when the host offered the parent too. */
export interface Device {
  /** Position in the offered list; what a choice refers to. */
  readonly index: number;
  readonly syspath: string;
  readonly sysname: string;
  readonly subsystem: string | undefined;
  readonly devtype: string | undefined;
  readonly driver: string | undefined;
  readonly devnode: string | undefined;
  readonly properties: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly symlinks: readonly string[];
  readonly parent: Device | undefined;
  property(name: string): string | undefined;
  hasTag(tag: string): boolean;
  /** Parent first, then its parent, up to the root (as far as they were offered). */
  ancestors(): Device[];
  /** This device, then its ancestors. */
  lineage(): Device[];
}

class OfferedDevice implements Device {
  parent: Device | undefined = undefined;

  constructor(
    readonly index: number,
    private readonly wire: WireDevice,
  ) {}

  get syspath() {
    return this.wire.syspath;
  }
  get sysname() {
    return this.wire.sysname;
  }
  get subsystem() {
    return this.wire.subsystem;
  }
  get devtype() {
    return this.wire.devtype;
  }
  get driver() {
    return this.wire.driver;
  }
  get devnode() {
    return this.wire.devnode;
  }
  get properties() {
    return this.wire.properties;
  }
  get tags() {
    return this.wire.tags;
  }
  get symlinks() {
    return this.wire.symlinks;
  }

  property(name: string): string | undefined {
    return Object.hasOwn(this.wire.properties, name) ? this.wire.properties[name] : undefined;
  }

  hasTag(tag: string): boolean {
    return this.wire.tags.includes(tag);
  }

  ancestors(): Device[] {
    const chain: Device[] = [];
    for (let device = this.parent; device; device = device.parent) chain.push(device);
    return chain;
  }

  lineage(): Device[] {
    return [this, ...this.ancestors()];
  }
}

/** Turns the host's JSON into linked `Device` objects. */
export function decodeDevices(json: string): Device[] {
  const wire = JSON.parse(json) as WireDevice[];
  const devices = wire.map((record, index) => new OfferedDevice(index, record));
  for (const [index, record] of wire.entries()) {
    if (record.parent !== undefined)
      (devices[index] as OfferedDevice).parent = devices[record.parent];
  }
  return devices;
}
