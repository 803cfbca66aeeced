import { dbText, type FakeDevice } from './fake-tree.js';

const HOST = '/devices/pci0000:00/0000:00:14.0';
const FTDI = `${HOST}/usb1/1-3`;
const KEYBOARD = '/devices/platform/i8042/serio0/input/input0';

/**
 * A small desktop: a USB serial adapter (usb device → interface → usb-serial → tty), a keyboard
 * (platform → serio → input → event node) on seat1, loop devices and the loopback interface.
 * Some ancestors have no database file, as on a real host; loop2 has none and is no ancestor.
 */
export const DESKTOP: readonly FakeDevice[] = [
  { devpath: '/devices/pci0000:00' },
  {
    devpath: HOST,
    subsystem: 'pci',
    bus: true,
    uevent: { DRIVER: 'xhci_hcd', PCI_CLASS: 'C0330', PCI_ID: '8086:A0ED' },
    db: {
      id: '+pci:0000:00:14.0',
      text: dbText({ properties: { ID_VENDOR_FROM_DATABASE: 'Intel Corporation' } }),
    },
  },
  {
    devpath: `${HOST}/usb1`,
    subsystem: 'usb',
    bus: true,
    uevent: {
      MAJOR: '189',
      MINOR: '0',
      DEVNAME: 'bus/usb/001/001',
      DEVTYPE: 'usb_device',
      DRIVER: 'usb',
      PRODUCT: '1d6b/2/602',
    },
    db: {
      id: 'c189:0',
      text: dbText({ properties: { ID_VENDOR_ID: '1d6b', ID_MODEL_ID: '0002' }, tags: ['seat'] }),
    },
  },
  {
    devpath: FTDI,
    subsystem: 'usb',
    bus: true,
    uevent: {
      MAJOR: '189',
      MINOR: '2',
      DEVNAME: 'bus/usb/001/003',
      DEVTYPE: 'usb_device',
      DRIVER: 'usb',
      PRODUCT: '403/6001/600',
    },
    db: {
      id: 'c189:2',
      text: dbText({
        properties: { ID_VENDOR_ID: '0403', ID_MODEL_ID: '6001', ID_SERIAL_SHORT: 'A50285BI' },
        tags: ['seat'],
      }),
    },
  },
  {
    devpath: `${FTDI}/1-3:1.0`,
    subsystem: 'usb',
    bus: true,
    uevent: { DEVTYPE: 'usb_interface', DRIVER: 'ftdi_sio', INTERFACE: '255/255/255' },
  },
  {
    devpath: `${FTDI}/1-3:1.0/ttyUSB0`,
    subsystem: 'usb-serial',
    bus: true,
    uevent: { DRIVER: 'ftdi_sio' },
  },
  {
    devpath: `${FTDI}/1-3:1.0/ttyUSB0/tty/ttyUSB0`,
    subsystem: 'tty',
    uevent: { MAJOR: '188', MINOR: '0', DEVNAME: 'ttyUSB0' },
    db: {
      id: 'c188:0',
      text: dbText({
        symlinks: [
          'serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0',
          'serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0',
        ],
        initialized: '4688915',
        properties: { ID_SERIAL: 'FTDI_FT232R_USB_UART_A50285BI', ID_VENDOR_ID: '0403' },
        tags: ['systemd'],
      }),
    },
  },
  { devpath: '/devices/platform', uevent: {} },
  {
    devpath: '/devices/platform/i8042',
    subsystem: 'platform',
    bus: true,
    uevent: { DRIVER: 'i8042', MODALIAS: 'platform:i8042' },
  },
  {
    devpath: '/devices/platform/i8042/serio0',
    subsystem: 'serio',
    bus: true,
    uevent: { DRIVER: 'atkbd', SERIO_TYPE: '06' },
  },
  {
    devpath: KEYBOARD,
    subsystem: 'input',
    uevent: { PRODUCT: '11/1/1/ab41', NAME: '"AT Translated Set 2 keyboard"', EV: '120013' },
    db: {
      id: '+input:input0',
      text: dbText({
        properties: { ID_INPUT: '1', ID_INPUT_KEYBOARD: '1', ID_SEAT: 'seat1' },
        tags: ['seat', 'seat1'],
      }),
    },
  },
  {
    devpath: `${KEYBOARD}/event0`,
    subsystem: 'input',
    uevent: { MAJOR: '13', MINOR: '64', DEVNAME: 'input/event0' },
    db: {
      id: 'c13:64',
      text: dbText({
        symlinks: ['input/by-path/platform-i8042-serio-0-event-kbd'],
        initialized: '4668437',
        properties: { ID_INPUT: '1', ID_INPUT_KEYBOARD: '1', ID_SEAT: 'seat1' },
        tags: ['power-switch', 'seat1', 'uaccess'],
        currentTags: ['power-switch', 'seat1'],
      }),
    },
  },
  ...[0, 1, 2].map(
    (n): FakeDevice => ({
      devpath: `/devices/virtual/block/loop${n}`,
      subsystem: 'block',
      uevent: {
        MAJOR: '7',
        MINOR: String(n),
        DEVNAME: `loop${n}`,
        DEVTYPE: 'disk',
        DISKSEQ: String(n + 1),
      },
      ...(n < 2 && {
        db: {
          id: `b7:${n}`,
          text: dbText({
            symlinks: [`disk/by-diskseq/${n + 1}`],
            initialized: '465203305',
            properties: { SYSTEMD_READY: '0' },
            tags: ['systemd'],
          }),
        },
      }),
    }),
  ),
  {
    devpath: '/devices/virtual/net/lo',
    subsystem: 'net',
    uevent: { INTERFACE: 'lo', IFINDEX: '1' },
    db: { id: 'n1', text: '' },
  },
];

export const DESKTOP_PATHS = {
  host: HOST,
  ftdi: FTDI,
  ftdiTty: `${FTDI}/1-3:1.0/ttyUSB0/tty/ttyUSB0`,
  keyboard: KEYBOARD,
  keyboardEvent: `${KEYBOARD}/event0`,
};
