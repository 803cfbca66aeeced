import { beforeAll, describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';
import { type PackedRevision, packedRevision } from '../src/revision.js';

// Upgrading devbinder on a host with running containers, the way an administrator would:
// scripts/install.sh with a newer packed CLI over the installed one. Version A is devbinder as
// built from an earlier commit of this repository (LAB_UPGRADE_FROM, by default 0886d56, the
// commit that brought the lab): another build of other code, its hook, engine and plugins as they
// were then. Version B is this build. Both say 0.1.0, so A is labelled 0.1.0-lab.<commit> for npm
// and the hook file to tell them apart. npm works offline here: the lab has no network, and
// devbinder's one dependency (the same in A and B) is in npm's cache from the image build.
const lab = useLabHost({ disk: { seat: 'seat1' } });

const UPGRADE_FROM = process.env.LAB_UPGRADE_FROM ?? '0886d56a0292b9ebfb07e271c83516d82bd90a36';
const SEAT = { 'io.dev-binder.udev.seat': 'seat1' };
const NEW = '/opt/devbinder-lab/devbinder.tgz';
const OLD_DIR = '/opt/devbinder-lab/version-a';
const install = (tarball: string) =>
  lab().sh(
    `npm_config_offline=true /opt/devbinder-lab/install.sh --tarball ${tarball}`,
    `install ${tarball}`,
  );
/** What npm says is installed (`devbinder --version` is built into the bundle). */
const installedVersion = async (): Promise<string> => {
  const listed = await lab().sh('npm ls --global --depth=0 --json', 'npm ls --global');
  const { dependencies } = JSON.parse(listed) as {
    dependencies: Record<string, { version: string } | undefined>;
  };
  const version = dependencies.devbinder?.version;
  if (version === undefined) throw new Error(`npm lists no global devbinder:\n${listed}`);
  return version;
};
/** The version of the devbinder the hook file points at: what Podman runs for the next container. */
const hookVersion = () =>
  lab().sh(
    `node -e '
      const hook = require("/usr/share/containers/oci/hooks.d/devbinder.json");
      const cli = hook.hook.args[1];
      console.log(require(require("path").join(cli, "../../package.json")).version);'`,
    'read the hook file',
  );
/** sha256 of nothing: what a pipe from a command that failed would hash. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/**
 * sha256 of the command's bundle in a packed CLI. Extracted to a file and hashed with no pipe in
 * between: the Debian lab host's sh is dash (0.5.12), which has no pipefail, so through a pipe a
 * tar that fails would hash nothing. `set -e` stops at the first command that fails.
 */
const bundleHash = async (tarball: string): Promise<string> => {
  const out = await lab().sh(
    `set -e
    dir=$(mktemp -d)
    tar -xzf ${tarball} -C "$dir" package/dist/devbinder.js
    sha256sum "$dir/package/dist/devbinder.js"
    rm -rf "$dir"`,
    `hash the bundle of ${tarball}`,
  );
  const hash = out.split(' ')[0] ?? '';
  expect(hash, `sha256sum of the bundle in ${tarball}`).toMatch(/^[0-9a-f]{64}$/);
  expect(hash, `the bundle in ${tarball} is empty`).not.toBe(EMPTY_SHA256);
  return hash;
};

let versionA: PackedRevision;

beforeAll(async () => {
  versionA = await packedRevision(UPGRADE_FROM);
  await lab().copyIn(versionA.dir, OLD_DIR);
});

describe('upgrading devbinder on a host with running containers', () => {
  let newVersion: string;
  let oldVersion: string;
  let running: string;

  it('installs version A, built from the earlier commit, over the image build', async () => {
    newVersion = await installedVersion();
    // Another build, not this one relabelled.
    expect(await bundleHash(`${OLD_DIR}/devbinder.tgz`)).not.toBe(await bundleHash(NEW));
    oldVersion = (
      await lab().sh(
        `set -e
      rm -rf /tmp/a && mkdir /tmp/a && tar -xzf ${OLD_DIR}/devbinder.tgz -C /tmp/a
      node -e '
        const file = "/tmp/a/package/package.json";
        const fs = require("fs");
        const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
        manifest.version = manifest.version + "-lab." + process.argv[1];
        fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
        console.log(manifest.version);' ${versionA.commit.slice(0, 12)}
      cd /tmp/a/package && npm pack --silent --pack-destination /tmp/a >/dev/null`,
        'label version A',
      )
    ).trim();
    await install(`/tmp/a/devbinder-${oldVersion}.tgz`);
    expect(await installedVersion()).toBe(oldVersion);
    expect((await hookVersion()).trim()).toBe(oldVersion);
  });

  it('starts a container with its devices under version A', async () => {
    running = await lab().startContainer(SEAT);
    expect((await lab().probe(running)).access).toEqual({ disk: 'granted' });
  });

  it('installs version B while the container runs; the container keeps running with its devices', async () => {
    await install(NEW);
    expect(await installedVersion()).toBe(newVersion);
    expect(await lab().isRunning(running)).toBe(true);
    expect((await lab().probe(running)).access).toEqual({ disk: 'granted' });
  });

  it('gives a new container its devices through the hook of version B', async () => {
    expect((await hookVersion()).trim()).toBe(newVersion);
    const view = await lab().run(SEAT);
    expect(view.access).toEqual({ disk: 'granted' });
    expect(view.added).toEqual(lab().expectedNodes(['disk']));
  });
});
