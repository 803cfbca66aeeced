import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode } from './exit-codes.js';
import { reportFailure } from './failure.js';
import { RUNTIME_OPTIONS } from './options.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function runtimeOptions(command: Command): Command {
  for (const [name, option] of Object.entries(RUNTIME_OPTIONS)) {
    const flag = `--${name} ${option.placeholder}`;
    if ('multiple' in option) command.option(flag, option.description, collect, []);
    else command.option(flag, option.description);
  }
  return command;
}

const program = new Command('devbinder')
  .description(
    'Give containers the host devices they need, chosen from udev by sandboxed selector plugins.',
  )
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) })
  .addHelpText(
    'after',
    `
Exit codes:
  0   success
  1   explain: the hook would refuse the container (the hook itself exits 0 and makes
      the refusal the container's command, so that Podman shows it)
  2   bad input (command line, config JSON, udev export, plugin)
  3   the environment failed (unreadable files, unsafe cache, no Podman socket)
  70  a bug in devbinder`,
  );

runtimeOptions(
  program
    .command('hook')
    .description(
      'Podman precreate hook: runtime config on stdin, config with the selected devices on stdout',
    )
    .option(
      '--print-config',
      'print the hooks.d JSON that installs this hook, instead of running it',
    )
    .option(
      '--hooks-dir <dir>',
      'with --print-config: write devbinder.json into DIR instead of printing it',
    ),
).action(async (options) => {
  if (options.printConfig) {
    const { printHookConfig } = await import('./commands/hook-config.js');
    return finish(printHookConfig(options));
  }
  if (options.hooksDir !== undefined)
    throw new CliError('--hooks-dir only goes with --print-config', ExitCode.badInput);
  const { runHook } = await import('./commands/hook.js');
  finish(await runHook(options));
});

runtimeOptions(
  program
    .command('explain')
    .description('Dry run: which devices a container with these annotations would get, and why')
    .option(
      '-a, --annotation <key=value>',
      'an annotation, as podman run --annotation takes it (repeatable)',
      collect,
      [],
    )
    .option('--spec <file>', 'take annotations from an OCI runtime config (--annotation wins)')
    .option(
      '--udev-export <file>',
      'use a capture of `udevadm info --export-db` instead of this machine',
    )
    .addOption(new Option('--json', 'machine-readable output').default(false)),
).action(async (options) => {
  const { runExplain } = await import('./commands/explain.js');
  finish(await runExplain(options));
});

function finish(code: ExitCode): void {
  // Exit now: plugin workers and pending timers must not delay the answer Podman waits for.
  process.exit(code);
}

export async function main(): Promise<void> {
  try {
    await program.parseAsync();
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : ExitCode.badInput);
    reportFailure(error);
  }
}
