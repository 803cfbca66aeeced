import {
  DEFAULT_DAEMON_SOCKET,
  DEFAULT_PODMAN_SOCKET,
  DEFAULT_STATE_DIR,
} from '@devbinder/daemon/paths';
import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode } from './exit-codes.js';
import { reportFailure } from './failure.js';
import { HOOK_DAEMON_OPTIONS, RUNTIME_OPTIONS } from './options.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function runtimeOptions(
  command: Command,
  names: readonly (keyof typeof RUNTIME_OPTIONS)[] = ['root', 'plugin-dir', 'cache-dir', 'config'],
): Command {
  for (const name of names) {
    const option = RUNTIME_OPTIONS[name];
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
  // Options after a subcommand are that subcommand's (`daemon status --socket X`).
  .enablePositionalOptions()
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
    )
    .option(
      `--daemon-socket ${HOOK_DAEMON_OPTIONS['daemon-socket'].placeholder}`,
      HOOK_DAEMON_OPTIONS['daemon-socket'].description,
      DEFAULT_DAEMON_SOCKET,
    )
    .option('--no-daemon', HOOK_DAEMON_OPTIONS['no-daemon'].description),
).action(async (options) => {
  if (options.printConfig) {
    const { printHookConfig } = await import('./commands/hook-config.js');
    return finish(printHookConfig(options));
  }
  if (options.hooksDir !== undefined)
    throw new CliError('--hooks-dir only goes with --print-config', ExitCode.badInput);
  const { runHookCommand } = await import('./hook-command.js');
  finish(await runHookCommand(options));
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

const daemon = runtimeOptions(
  program
    .command('daemon')
    .description(
      "Hot-plug daemon: keeps running containers' device nodes and device cgroup in step with udev, and answers the hook",
    )
    .option('--podman-socket <path>', "Podman's API socket", DEFAULT_PODMAN_SOCKET)
    .option(
      '--socket <path>',
      'control socket the hook and `daemon status` use',
      DEFAULT_DAEMON_SOCKET,
    )
    .option('--state-dir <dir>', 'what was given to each container', DEFAULT_STATE_DIR)
    .addOption(
      new Option('--log-format <format>', 'stderr log lines')
        .choices(['text', 'json'])
        .default('text'),
    )
    .option('--reconcile-interval <seconds>', 'check every container this often', '30')
    .addOption(
      new Option(
        '--cgroup-access <mode>',
        'write: grant and revoke access with cgroup v1 devices.allow/deny; preauthorized-only: never write cgroup rules (for the systemd cgroup driver), make nodes only for devices the container was created allowed to use (io.dev-binder.hotplug.majors), as for cgroup v2 containers in either mode',
      )
        .choices(['write', 'preauthorized-only'])
        .default('write'),
    )
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Exit codes: 0 stopped by SIGTERM or SIGINT; 2 bad options; 3 cannot start (no Podman API on the
socket within 30 s, no udevadm, another daemon on the control socket, or a socket directory
others may write).`,
    ),
  ['plugin-dir', 'cache-dir', 'config'],
).action(async (options) => {
  const { runDaemon } = await import('./commands/daemon.js');
  finish(await runDaemon(options));
});

daemon
  .command('status')
  .description('the running daemon: managed containers, their devices, the last events')
  .option('--socket <path>', "the daemon's control socket", DEFAULT_DAEMON_SOCKET)
  .addOption(new Option('--json', 'machine-readable output').default(false))
  .addHelpText('after', '\nExit codes: 0 the daemon answered; 3 no daemon answers on the socket.')
  .action(async (options) => {
    const { runDaemonStatus } = await import('./commands/daemon.js');
    finish(await runDaemonStatus(options));
  });

const plugin = program
  .command('plugin')
  .description('Write, build and examine selector plugins (see docs/plugin-guide.md)');

plugin
  .command('new')
  .description('Create a plugin project that builds and passes its tests as it is')
  .argument('<name>', 'the selector name: io.dev-binder.udev.<name>=…')
  .argument('[dir]', 'where to create it (default: ./<name>); must not exist or be empty')
  .option(
    '--author <who>',
    'the plugin\'s author, e.g. "Ada Lovelace <ada@example.org>" (default: git\'s user.name and user.email, else the login name)',
  )
  .addHelpText('after', '\nExit codes: 0 created; 2 bad name or DIR not empty; 3 cannot write.')
  .action(async (name: string, dir: string | undefined, options: { author?: string }) => {
    const { runPluginNew } = await import('./commands/plugin-new.js');
    finish(runPluginNew(name, dir, options));
  });

plugin
  .command('build')
  .description('Turn the plugin project in DIR into DIR/dist/<name>.wasm and DIR/dist/plugin.json')
  .argument('[dir]', 'the plugin project (default: the current directory)')
  .addOption(new Option('--json', 'machine-readable output').default(false))
  .addHelpText(
    'after',
    '\nExit codes: 0 built; 2 the project or its code is at fault; 3 @devbinder/plugin-build is not installed.',
  )
  .action(async (dir: string | undefined, options: { json: boolean }) => {
    const { runPluginBuild } = await import('./commands/plugin-build.js');
    finish(await runPluginBuild(dir, options));
  });

runtimeOptions(
  plugin
    .command('list')
    .description('The plugins on the search path, and plugin files that cannot be used')
    .addOption(new Option('--json', 'machine-readable output').default(false))
    .addHelpText('after', '\nExit codes: 0 every plugin is usable; 2 some plugin file is not.'),
  ['plugin-dir'],
).action(async (options) => {
  const { runPluginList } = await import('./commands/plugin-list.js');
  finish(runPluginList(options));
});

runtimeOptions(
  plugin
    .command('inspect')
    .description("One plugin: its manifest, and its component's size, digest, imports and exports")
    .argument('<name>', 'the selector name')
    .addOption(new Option('--json', 'machine-readable output').default(false))
    .addHelpText(
      'after',
      '\nExit codes: 0 usable; 2 unknown, or its digest, WIT version or imports make it unusable.',
    ),
  ['plugin-dir'],
).action(async (name: string, options) => {
  const { runPluginInspect } = await import('./commands/plugin-list.js');
  finish(await runPluginInspect(name, options));
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
