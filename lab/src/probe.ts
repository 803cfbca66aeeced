/**
 * What a nested container can do with the lab's devices, asked from inside it. The script runs
 * under busybox sh in the nested container and prints facts; deciding what they mean happens
 * here, in plain code.
 */

/** One node the probe looks for. */
export interface ProbeTarget {
  /** How results are keyed: the device's name, or `name → link path` for a symlink. */
  label: string;
  path: string;
  type: 'b' | 'c';
  major: number;
  minor: number;
  /** Block devices: the first line a read must return. Character devices are only opened. */
  marker?: string;
}

/**
 * - `granted`: the node is there with the right type and numbers, opens, and (block) reads the
 *   device's marker: present and usable;
 * - `denied`: no node, and a node the container makes itself (mknod) cannot be opened: the
 *   device cgroup keeps it out;
 * - anything else says what was wrong, e.g. `absent, but a node made with mknod opens`.
 */
export type Access = 'granted' | 'denied' | (string & {});

export interface ProbeView {
  /** Every device node under the container's /dev: `/dev/loop3 b 7:3`, sorted. */
  nodes: string[];
  access: Record<string, Access>;
}

const PERMISSION_DENIED = 'Operation not permitted';

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The busybox sh script. It lists /dev first (so its own mknod'd nodes stay out of the list), then
 * for each target prints `t <index> present <type> <hex major>:<hex minor>` or `t <index> absent`
 * plus `t <index> mknod ok|failed <message>`, and `t <index> open ok <first line>` or
 * `t <index> open failed <message>`.
 */
export function probeScript(targets: readonly ProbeTarget[]): string {
  const lines = [
    // A probe run before in the same container may have left its nodes: not part of the list.
    'rm -rf /dev/.lab-probe',
    'for type in b c; do',
    '  find /dev -type $type | while read -r node; do echo "n $type $(stat -c %t:%T "$node") $node"; done',
    'done',
    'mkdir -p /dev/.lab-probe',
    'check() { # index path type major minor read',
    '  if [ -e "$2" ]; then',
    '    if [ -b "$2" ]; then kind=b; elif [ -c "$2" ]; then kind=c; else kind=other; fi',
    '    echo "t $1 present $kind $(stat -L -c %t:%T "$2")"',
    '    node=$2',
    '  else',
    '    echo "t $1 absent"',
    '    node=/dev/.lab-probe/$1',
    '    if mknod "$node" "$3" "$4" "$5" 2>/tmp/lab-probe.err; then echo "t $1 mknod ok";',
    '    else echo "t $1 mknod failed $(tail -n 1 /tmp/lab-probe.err)"; return; fi',
    '  fi',
    '  if [ "$6" = read ]; then',
    '    if dd if="$node" of=/tmp/lab-probe.out bs=512 count=1 2>/tmp/lab-probe.err; then',
    '      echo "t $1 open ok $(head -n 1 /tmp/lab-probe.out)"',
    '    else echo "t $1 open failed $(tail -n 1 /tmp/lab-probe.err)"; fi',
    '  elif dd if="$node" of=/dev/null bs=1 count=0 2>/tmp/lab-probe.err; then',
    '    echo "t $1 open ok"',
    '  else echo "t $1 open failed $(tail -n 1 /tmp/lab-probe.err)"; fi',
    '}',
    ...targets.map(
      (target, index) =>
        `check ${index} ${quote(target.path)} ${target.type} ${target.major} ${target.minor} ${
          target.marker === undefined ? 'open' : 'read'
        }`,
    ),
    'rm -rf /dev/.lab-probe',
  ];
  return `${lines.join('\n')}\n`;
}

interface Facts {
  present?: { type: string; major: number; minor: number };
  absent?: boolean;
  mknod?: { ok: boolean; message: string };
  open?: { ok: boolean; text: string };
}

function hexNumbers(text: string): { major: number; minor: number } {
  const [major = '', minor = ''] = text.split(':');
  return { major: Number.parseInt(major, 16), minor: Number.parseInt(minor, 16) };
}

/** Parses the probe's output; throws on a line it does not know, naming it. */
export function parseProbe(stdout: string, targets: readonly ProbeTarget[]): ProbeView {
  const nodes: string[] = [];
  const facts: Facts[] = targets.map(() => ({}));
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const words = line.split(' ');
    if (words[0] === 'n') {
      const [, type, numbers = '', ...path] = words;
      const { major, minor } = hexNumbers(numbers);
      nodes.push(`${path.join(' ')} ${type} ${major}:${minor}`);
      continue;
    }
    const fact = words[0] === 't' ? facts[Number(words[1])] : undefined;
    const [, , what, outcome = '', ...rest] = words;
    if (fact === undefined) throw new Error(`probe printed a line it should not: ${line}`);
    if (what === 'present') fact.present = { type: outcome, ...hexNumbers(rest[0] ?? '') };
    else if (what === 'absent') fact.absent = true;
    else if (what === 'mknod') fact.mknod = { ok: outcome === 'ok', message: rest.join(' ') };
    else if (what === 'open') fact.open = { ok: outcome === 'ok', text: rest.join(' ') };
    else throw new Error(`probe printed a line it should not: ${line}`);
  }
  const access: Record<string, Access> = {};
  targets.forEach((target, index) => {
    access[target.label] = classify(target, facts[index] ?? {});
  });
  return { nodes: nodes.sort(), access };
}

function classify(target: ProbeTarget, facts: Facts): Access {
  const { present, mknod, open } = facts;
  if (present) {
    const expected = `${target.type} ${target.major}:${target.minor}`;
    const found = `${present.type} ${present.major}:${present.minor}`;
    if (found !== expected) return `present as ${found}, expected ${expected}`;
    if (!open) return 'present, but the probe did not finish';
    if (!open.ok) return `present, but cannot be opened: ${open.text}`;
    if (target.marker !== undefined && open.text !== target.marker) {
      return `present, but reads "${open.text}" instead of "${target.marker}"`;
    }
    return 'granted';
  }
  if (!facts.absent) return 'not probed';
  if (!mknod?.ok) return `absent, and mknod failed: ${mknod?.message ?? 'no answer'}`;
  if (!open) return 'absent, and the probe did not finish';
  if (open.ok) return 'absent, but a node made with mknod opens: the device cgroup lets it through';
  if (open.text.endsWith(PERMISSION_DENIED)) return 'denied';
  return `absent, and a node made with mknod fails otherwise: ${open.text}`;
}

/** The `nodes` line a target appears as. */
export function nodeLine(target: Pick<ProbeTarget, 'path' | 'type' | 'major' | 'minor'>): string {
  return `${target.path} ${target.type} ${target.major}:${target.minor}`;
}
