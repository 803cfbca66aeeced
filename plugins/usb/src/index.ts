import {
  ArgumentError,
  type Device,
  defineSelector,
  splitItems,
} from '@devbinder/plugin-sdk/guest';

interface Wanted {
  vendor: string;
  product: string;
  serial: string | undefined;
  /** As written, for reasons. */
  text: string;
}

const HEX_ID = /^[0-9a-fA-F]{1,4}$/;
const PROPERTIES = ['ID_VENDOR_ID', 'ID_MODEL_ID', 'ID_SERIAL_SHORT', 'PRODUCT'];

/**
 * `0403:6001`, `0403:6001:A50285BI`, items separated by `,` or `;`. IDs are hex, any case, leading
 * zeros optional.
 */
function parse(argument: string): Wanted[] {
  return splitItems(argument).map(({ text, column }) => {
    const parts = text.trim().split(':');
    const [vendor = '', product = '', ...rest] = parts;
    if (!HEX_ID.test(vendor)) {
      throw new ArgumentError(
        `"${vendor}" is not a USB vendor id: expected 1-4 hex digits, e.g. 0403:6001`,
        column,
      );
    }
    if (parts.length < 2 || !HEX_ID.test(product)) {
      throw new ArgumentError(
        `expected <vid>:<pid> with hex ids, e.g. 0403:6001; got "${text.trim()}"`,
        column + vendor.length + 1,
      );
    }
    const serial = rest.length > 0 ? rest.join(':') : undefined;
    if (serial === '') {
      throw new ArgumentError(
        'the serial after the second ":" is empty',
        column + vendor.length + product.length + 2,
      );
    }
    return { vendor: normalize(vendor), product: normalize(product), serial, text: text.trim() };
  });
}

function normalize(id: string): string {
  return id.toLowerCase().padStart(4, '0');
}

/**
 * The device's USB identity. udev's usb_id sets ID_VENDOR_ID/ID_MODEL_ID (lowercase hex); without
 * udev (sysfs-only databases) the kernel's PRODUCT=vid/pid/bcd (hex, no leading zeros) remains.
 */
function identity(device: Device): { vendor: string; product: string } | undefined {
  const vendor = device.property('ID_VENDOR_ID');
  const product = device.property('ID_MODEL_ID');
  if (vendor && product) return { vendor: normalize(vendor), product: normalize(product) };
  const [productVendor, productModel] = (device.property('PRODUCT') ?? '').split('/');
  if (productVendor && productModel && HEX_ID.test(productVendor) && HEX_ID.test(productModel)) {
    return { vendor: normalize(productVendor), product: normalize(productModel) };
  }
  return undefined;
}

function matching(device: Device, wanted: readonly Wanted[]): Wanted | undefined {
  const id = identity(device);
  if (!id) return undefined;
  return wanted.find(
    (item) =>
      item.vendor === id.vendor &&
      item.product === id.product &&
      (item.serial === undefined || item.serial === device.property('ID_SERIAL_SHORT')),
  );
}

export const { interest, select } = defineSelector({
  parse,

  interest: (wanted) => ({
    filters: wanted.flatMap(({ vendor, product }) => [
      { property: ['ID_VENDOR_ID', vendor] as const },
      // Without udev only the kernel's PRODUCT (`403/6001/600`: hex, no leading zeros) says it.
      {
        property: [
          'PRODUCT',
          `${Number.parseInt(vendor, 16).toString(16)}/${Number.parseInt(product, 16).toString(16)}/*`,
        ] as const,
      },
    ]),
    descendants: true,
    properties: PROPERTIES,
  }),

  /** The matching device and each descendant with a node: a serial adapter's ttyUSB, a keyboard's event nodes. */
  *select(wanted, devices) {
    for (const device of devices) {
      if (!device.devnode) continue;
      const owner = device.lineage().find((candidate) => matching(candidate, wanted));
      if (!owner) continue;
      const item = matching(owner, wanted) as Wanted;
      yield {
        device,
        reason: owner === device ? `USB ${item.text}` : `USB ${item.text} (under ${owner.sysname})`,
      };
    }
  },
});
