import { dbText, type FakeDevice } from './fake-tree.js';

/**
 * 1,000 devices with database files, shaped like a desktop's: USB devices with an interface each,
 * keyboards (serio → input → event node), ttys and loop devices, plus ancestors without files.
 */
export function thousandDevices(): FakeDevice[] {
  const devices: FakeDevice[] = [
    { devpath: '/devices/pci0000:00' },
    { devpath: '/devices/platform' },
  ];
  const host = '/devices/pci0000:00/0000:00:14.0';
  devices.push({
    devpath: host,
    subsystem: 'pci',
    bus: true,
    uevent: { DRIVER: 'xhci_hcd', PCI_ID: '8086:A0ED' },
    db: { id: '+pci:0000:00:14.0', text: dbText({ properties: { ID_PATH: 'pci-0000:00:14.0' } }) },
  });
  for (let port = 1; port <= 100; port++) {
    const usb = `${host}/usb1/1-${port}`;
    const properties = { ID_VENDOR_ID: '046d', ID_MODEL_ID: 'c52b', ID_SERIAL: `Logitech_${port}` };
    devices.push({
      devpath: usb,
      subsystem: 'usb',
      bus: true,
      uevent: {
        MAJOR: '189',
        MINOR: String(port),
        DEVNAME: `bus/usb/001/${port}`,
        DEVTYPE: 'usb_device',
      },
      db: { id: `c189:${port}`, text: dbText({ properties, tags: ['seat', 'uaccess'] }) },
    });
    devices.push({
      devpath: `${usb}/1-${port}:1.0`,
      subsystem: 'usb',
      bus: true,
      uevent: { DEVTYPE: 'usb_interface', DRIVER: 'usbhid', INTERFACE: '3/1/1' },
      db: {
        id: `+usb:1-${port}:1.0`,
        text: dbText({ properties: { ID_PATH_TAG: `usb-${port}` } }),
      },
    });
  }
  for (let n = 0; n < 150; n++) {
    const serio = `/devices/platform/i8042/serio${n}`;
    const input = `${serio}/input/input${n}`;
    const properties = {
      ID_INPUT: '1',
      ID_INPUT_KEYBOARD: '1',
      ID_PATH: `platform-i8042-serio-${n}`,
    };
    devices.push({ devpath: serio, subsystem: 'serio', bus: true, uevent: { DRIVER: 'atkbd' } });
    devices.push({
      devpath: input,
      subsystem: 'input',
      uevent: { PRODUCT: '11/1/1/ab41', NAME: '"AT Translated Set 2 keyboard"', EV: '120013' },
      db: { id: `+input:input${n}`, text: dbText({ properties, tags: ['seat'] }) },
    });
    devices.push({
      devpath: `${input}/event${n}`,
      subsystem: 'input',
      uevent: { MAJOR: '13', MINOR: String(64 + n), DEVNAME: `input/event${n}` },
      db: {
        id: `c13:${64 + n}`,
        text: dbText({
          symlinks: [`input/by-path/platform-i8042-serio-${n}-event-kbd`],
          properties,
          tags: ['power-switch'],
        }),
      },
    });
  }
  for (let n = 0; n < 300; n++) {
    devices.push({
      devpath: `/devices/virtual/tty/tty${n}`,
      subsystem: 'tty',
      uevent: { MAJOR: '4', MINOR: String(n), DEVNAME: `tty${n}` },
      db: { id: `c4:${n}`, text: n % 2 === 0 ? '' : dbText({ tags: ['systemd'] }) },
    });
  }
  for (let n = 0; n < 199; n++) {
    devices.push({
      devpath: `/devices/virtual/block/loop${n}`,
      subsystem: 'block',
      uevent: { MAJOR: '7', MINOR: String(n), DEVNAME: `loop${n}`, DEVTYPE: 'disk' },
      db: {
        id: `b7:${n}`,
        text: dbText({
          symlinks: [`disk/by-diskseq/${n + 1}`],
          properties: { SYSTEMD_READY: '0' },
        }),
      },
    });
  }
  return devices;
}
