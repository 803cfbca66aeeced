// Prints the versions of what a lab host runs, as JSON, for the lab report. Runs inside the image.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The first line a command prints, or why it could not run. */
function firstLine(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0];
  } catch (error) {
    return `unavailable (${error.message.split('\n')[0]})`;
  }
}

const osRelease = readFileSync('/etc/os-release', 'utf8');
const prettyName = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'unknown';

const versions = {
  os: prettyName,
  devbinder: firstLine('devbinder', ['--version']),
  node: process.version,
  podman: firstLine('podman', ['--version']),
  runc: firstLine('runc', ['--version']),
  crun: firstLine('crun', ['--version']),
  udev: firstLine('udevadm', ['--version']),
};
console.log(JSON.stringify(versions, null, 2));
