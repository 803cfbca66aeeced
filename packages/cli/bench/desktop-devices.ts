/** One generated device: what a udev database says about it. */
export interface BenchDevice {
  /** udev's DEVPATH, e.g. `/devices/pci0000:00/0000:00:14.0/usb1/1-1`. */
  devpath: string;
  subsystem: string;
  devtype?: string;
  /** Node name under /dev, with its numbers, when the device has one. */
  node?: { name: string; type: 'b' | 'c'; major: number; minor: number };
  properties: Record<string, string>;
  tags: string[];
}

/**
 * `count` devices the way a desktop looks, for benchmarks: USB keyboards with input and event
 * children, sound cards with control and PCM nodes, serial adapters, block devices. A third of the
 * seat-tagged parents are assigned to seat1, the rest stay on seat0. Writers turn the list into a
 * sysfs + /run/udev tree (generate-tree.ts) or `udevadm info --export-db` text (generate-export.ts).
 */
export function desktopDevices(count: number): BenchDevice[] {
  const devices: BenchDevice[] = [];
  let minor = 0;
  const device = (
    devpath: string,
    subsystem: string,
    options: {
      devname?: string;
      type?: 'b' | 'c';
      properties?: Record<string, string>;
      tags?: string[];
      devtype?: string;
    },
  ) => {
    const type = options.type ?? 'c';
    devices.push({
      devpath,
      subsystem,
      ...(options.devtype === undefined ? {} : { devtype: options.devtype }),
      ...(options.devname === undefined
        ? {}
        : {
            node: { name: options.devname, type, major: type === 'b' ? 259 : 511, minor: minor++ },
          }),
      properties: { ...options.properties, ...filler(devices.length + 1) },
      tags: options.tags ?? [],
    });
  };

  const bus = '/devices/pci0000:00/0000:00:14.0/usb1';
  device(bus, 'usb', { devtype: 'usb_device', tags: ['seat'] });
  for (let i = 0; devices.length < count; i++) {
    const seat = i % 3 === 2 ? { ID_SEAT: 'seat1' } : {};
    const seatTags = i % 3 === 2 ? ['seat', 'seat1'] : ['seat'];
    const port = `${bus}/1-${i + 1}`;
    const usb = {
      ID_VENDOR_ID: (0x1000 + (i % 50)).toString(16),
      ID_MODEL_ID: (0x2000 + i).toString(16),
      ID_SERIAL_SHORT: `SN${i}`,
      ...seat,
    };
    switch (i % 4) {
      case 0: // keyboard: usb device -> interface -> inputN -> eventN
        device(port, 'usb', {
          devtype: 'usb_device',
          devname: `bus/usb/001/${String(i + 2).padStart(3, '0')}`,
          properties: usb,
          tags: seatTags,
        });
        device(`${port}/1-${i + 1}:1.0`, 'usb', { devtype: 'usb_interface', properties: usb });
        device(`${port}/1-${i + 1}:1.0/input/input${i}`, 'input', {
          properties: { ID_INPUT: '1', ID_INPUT_KEYBOARD: '1', ...seat },
          tags: seatTags,
        });
        device(`${port}/1-${i + 1}:1.0/input/input${i}/event${i}`, 'input', {
          devname: `input/event${i}`,
          properties: { ID_INPUT: '1', ...seat },
          tags: i % 3 === 2 ? ['seat1'] : [],
        });
        break;
      case 1: // sound card: cardN (no node) -> controlCN, pcmCND0p
        device(`/devices/pci0000:00/0000:00:1f.${i}/sound/card${i}`, 'sound', {
          properties: { SOUND_INITIALIZED: '1', ...seat },
          tags: seatTags,
        });
        device(`/devices/pci0000:00/0000:00:1f.${i}/sound/card${i}/controlC${i}`, 'sound', {
          devname: `snd/controlC${i}`,
          properties: seat,
        });
        device(`/devices/pci0000:00/0000:00:1f.${i}/sound/card${i}/pcmC${i}D0p`, 'sound', {
          devname: `snd/pcmC${i}D0p`,
          properties: seat,
        });
        break;
      case 2: // serial adapter: usb device -> interface -> ttyUSBN
        device(port, 'usb', {
          devtype: 'usb_device',
          devname: `bus/usb/001/${String(i + 2).padStart(3, '0')}`,
          properties: usb,
          tags: seatTags,
        });
        device(`${port}/1-${i + 1}:1.0/ttyUSB${i}/tty/ttyUSB${i}`, 'tty', {
          devname: `ttyUSB${i}`,
          properties: { ...usb, ID_BUS: 'usb' },
        });
        break;
      default: // a disk with a partition
        device(`/devices/virtual/block/vd${i}`, 'block', {
          devtype: 'disk',
          devname: `vd${i}`,
          type: 'b',
          properties: { ID_PATH: `virtual-${i}` },
        });
        device(`/devices/virtual/block/vd${i}/vd${i}p1`, 'block', {
          devtype: 'partition',
          devname: `vd${i}p1`,
          type: 'b',
        });
    }
  }
  return devices;
}

/** Properties real devices carry that selectors do not read: they make the records realistic in size. */
function filler(seed: number): Record<string, string> {
  const properties: Record<string, string> = {};
  for (let k = 0; k < 12; k++) properties[`ID_EXTRA_${k}`] = `value-${seed}-${k}`;
  return properties;
}
