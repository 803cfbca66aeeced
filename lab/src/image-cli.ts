import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureLabImage, parseRecipe, RECIPES } from './image.js';
import { REPORT_DIR } from './report.js';

const HELP = `Usage: pnpm --filter @devbinder/lab image [--image ${RECIPES.join('|')}] [--rebuild] [--json]

Finds or builds the lab host image (the base, then devbinder installed from the packed CLI) and
prints its reference. Needs root, Podman and a built packages/cli (pnpm build).

  --image NAME  recipe: debian (debootstrap, no registry needed; the default, or LAB_IMAGE)
                or fedora (registry.fedoraproject.org)
  --rebuild     build both layers even when cached images exist
  --json        print {reference, base, built, buildSeconds, versions, ...} instead
  -h, --help    this text

Exit codes: 0 the image exists, 1 the build failed (log in reports/lab/image-NAME.log),
2 bad command line.`;

async function main(): Promise<number> {
  let values: { image?: string; rebuild?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        image: { type: 'string' },
        rebuild: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`lab image: ${(error as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let recipe: ReturnType<typeof parseRecipe>;
  try {
    recipe =
      values.image === undefined
        ? parseRecipe(process.env.LAB_IMAGE ?? 'debian', 'LAB_IMAGE')
        : parseRecipe(values.image, '--image');
  } catch (error) {
    process.stderr.write(`lab image: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    const image = await ensureLabImage({
      recipe,
      rebuild: values.rebuild ?? false,
      log: (line) => process.stderr.write(`lab image: ${line}\n`),
      logFile: join(REPORT_DIR, `image-${recipe}.log`),
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(image, null, 2)}\n` : `${image.reference}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`lab image: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main();
