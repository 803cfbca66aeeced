import type { DeviceNumber } from '@devbinder/udev';

/** A device node to put in an archive: `directory/name`, where `directory` is a path prefix. */
export interface ArchivedNode {
  directory: string;
  name: string;
  device: DeviceNumber;
  /** Permission bits. */
  mode: number;
  uid: number;
  gid: number;
}

const BLOCK = 512;

/**
 * A POSIX ustar archive of device nodes (typeflag 3: character, 4: block), for `tar -x` to make
 * them: one process creates any number of nodes, with their modes and owners, where mknod(1)
 * would take one process each. The directory goes in the header's prefix field (155 bytes), the
 * name in the name field (100 bytes).
 */
export function deviceArchive(nodes: readonly ArchivedNode[]): Buffer {
  const headers = nodes.map(header);
  return Buffer.concat([...headers, Buffer.alloc(2 * BLOCK)]);
}

function header(node: ArchivedNode): Buffer {
  const block = Buffer.alloc(BLOCK);
  field(block, 0, 100, node.name, 'name');
  field(block, 100, 8, octal(node.mode, 8), 'mode');
  field(block, 108, 8, octal(node.uid, 8), 'uid');
  field(block, 116, 8, octal(node.gid, 8), 'gid');
  field(block, 124, 12, octal(0, 12), 'size');
  field(block, 136, 12, octal(Math.floor(Date.now() / 1000), 12), 'mtime');
  block.fill(' ', 148, 156); // the checksum counts its own field as spaces
  field(block, 156, 1, node.device.type === 'b' ? '4' : '3', 'typeflag');
  field(block, 257, 6, 'ustar\0', 'magic');
  field(block, 263, 2, '00', 'version');
  field(block, 329, 8, octal(node.device.major, 8), 'devmajor');
  field(block, 337, 8, octal(node.device.minor, 8), 'devminor');
  field(block, 345, 155, node.directory, 'prefix');
  let sum = 0;
  for (const byte of block) sum += byte;
  field(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `, 'checksum');
  return block;
}

/** `length - 1` octal digits and a NUL, as ustar numbers are written. */
function octal(value: number, length: number): string {
  const digits = value.toString(8);
  if (!Number.isInteger(value) || value < 0 || digits.length > length - 1) {
    throw new RangeError(`${value} does not fit a ${length}-byte ustar field`);
  }
  return `${digits.padStart(length - 1, '0')}\0`;
}

function field(block: Buffer, offset: number, length: number, text: string, name: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) {
    throw new RangeError(`ustar ${name} is longer than ${length} bytes: ${JSON.stringify(text)}`);
  }
  bytes.copy(block, offset);
}
