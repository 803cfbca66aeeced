import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { SerializedError } from 'vitest';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { REPO_ROOT } from '../../test-support/podman.js';
import type { LabImage } from './image.js';

/** Where every lab run leaves its report (reports/ is git-ignored). */
export const REPORT_DIR = join(REPO_ROOT, 'reports/lab');
export const REPORT_JSON = join(REPORT_DIR, 'report.json');
export const REPORT_MARKDOWN = join(REPORT_DIR, 'report.md');
/** What the global setup learnt (image, versions, machine), for the reporter. */
export const ENVIRONMENT_JSON = join(REPORT_DIR, 'environment.json');

/** The machine the lab hosts run on. */
export interface Machine {
  kernel: string;
  podman: string;
  cgroup: 'v1' | 'v2';
}

export interface LabEnvironment {
  machine: Machine;
  image?: LabImage;
  /** Seconds the global setup took: the image (built or found) and the Podman API service. */
  setupSeconds: number;
  /** Why the global setup failed, when it did. */
  setupError?: string;
}

export type TestResultState = 'passed' | 'failed' | 'skipped' | 'pending';

export interface TestOutcome {
  name: string;
  result: TestResultState;
  seconds: number;
  error?: string;
}

export interface ScenarioOutcome {
  /** The scenario file, relative to the repository. */
  file: string;
  title: string;
  result: 'passed' | 'failed';
  /** Everything the file took: lab host boot, devices, tests, cleanup. */
  seconds: number;
  /** The part of it outside tests: lab host boot, laying down devices, cleanup. */
  hostSeconds: number;
  tests: TestOutcome[];
  /** Errors outside tests: a lab host that did not boot, a failing cleanup. */
  errors: string[];
}

export interface LabReport {
  result: 'passed' | 'failed';
  startedAt: string;
  seconds: number;
  machine: Machine | null;
  image: LabImage | null;
  setupSeconds: number;
  scenarios: ScenarioOutcome[];
  totals: { scenarios: number; scenariosFailed: number; testsPassed: number; testsFailed: number };
  /** Errors no scenario owns: the global setup, unhandled rejections. */
  errors: string[];
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;

/** A scenario passes when it ran at least one test, every test passed and nothing else failed. */
export function scenarioResult(tests: readonly TestOutcome[], errors: readonly string[]) {
  const passed =
    errors.length === 0 && tests.length > 0 && tests.every((test) => test.result === 'passed');
  return passed ? 'passed' : 'failed';
}

export function buildReport(
  startedAt: Date,
  seconds: number,
  environment: LabEnvironment | undefined,
  scenarios: readonly ScenarioOutcome[],
  otherErrors: readonly string[],
): LabReport {
  const errors = [
    ...(environment === undefined
      ? ['the global setup recorded nothing (see the output above)']
      : []),
    ...(environment?.setupError === undefined ? [] : [`global setup: ${environment.setupError}`]),
    ...otherErrors,
  ];
  const tests = scenarios.flatMap((scenario) => scenario.tests);
  const totals = {
    scenarios: scenarios.length,
    scenariosFailed: scenarios.filter((scenario) => scenario.result === 'failed').length,
    testsPassed: tests.filter((test) => test.result === 'passed').length,
    testsFailed: tests.filter((test) => test.result !== 'passed').length,
  };
  const passed = errors.length === 0 && scenarios.length > 0 && totals.scenariosFailed === 0;
  return {
    result: passed ? 'passed' : 'failed',
    startedAt: startedAt.toISOString(),
    seconds: round(seconds),
    machine: environment?.machine ?? null,
    image: environment?.image ?? null,
    setupSeconds: round(environment?.setupSeconds ?? 0),
    scenarios: [...scenarios],
    totals,
    errors,
  };
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function imageLine(image: LabImage): string {
  const layer = (which: 'base' | 'devbinder') => {
    const seconds = image.buildSeconds[which];
    const took = seconds === null ? '' : ` in ${round(seconds)} s`;
    return image.built[which] ? `built${took}` : `cached, built ${image.created[which]}${took}`;
  };
  return (
    `Image: \`${image.reference}\` (recipe ${image.recipe}; base ${layer('base')}, ` +
    `devbinder layer ${layer('devbinder')})`
  );
}

/** The Markdown summary: result, image and versions, one row per scenario, then the failures. */
export function renderMarkdown(report: LabReport): string {
  const { totals } = report;
  const lines = [
    '# devbinder lab report',
    '',
    `Result: **${report.result}**: ${totals.scenarios - totals.scenariosFailed} of ${totals.scenarios} scenarios passed ` +
      `(${totals.testsPassed} tests passed, ${totals.testsFailed} failed) in ${report.seconds} s, ` +
      `started ${report.startedAt}; image step and API service ${report.setupSeconds} s.`,
    '',
  ];
  if (report.image) {
    lines.push(imageLine(report.image), '');
    lines.push('| on the lab host | version |', '| --- | --- |');
    for (const [name, version] of Object.entries(report.image.versions)) {
      lines.push(`| ${cell(name)} | ${cell(version)} |`);
    }
    lines.push('');
  }
  if (report.machine) {
    const { kernel, podman, cgroup } = report.machine;
    lines.push(`Machine: kernel ${kernel}, ${podman}, cgroup ${cgroup}.`, '');
  }
  lines.push('| scenario | result | tests passed | seconds | of which lab host |');
  lines.push('| --- | --- | --- | ---: | ---: |');
  for (const scenario of report.scenarios) {
    const passed = scenario.tests.filter((test) => test.result === 'passed').length;
    lines.push(
      `| ${cell(scenario.title)} (\`${scenario.file}\`) | ${scenario.result} | ` +
        `${passed}/${scenario.tests.length} | ${round(scenario.seconds)} | ${round(scenario.hostSeconds)} |`,
    );
  }
  const failures = [
    ...report.errors.map((error) => ({ where: 'lab', error })),
    ...report.scenarios.flatMap((scenario) => [
      ...scenario.errors.map((error) => ({ where: scenario.title, error })),
      ...scenario.tests
        .filter((test) => test.result !== 'passed')
        .map((test) => ({
          where: `${scenario.title} › ${test.name}`,
          error: test.error ?? `test ${test.result}`,
        })),
    ]),
  ];
  if (failures.length > 0) {
    lines.push('', '## Failures');
    for (const { where, error } of failures)
      lines.push('', `### ${where}`, '', '```', error, '```');
  }
  return `${lines.join('\n')}\n`;
}

function errorText(error: Pick<SerializedError, 'message' | 'stack'>): string {
  return error.stack ?? error.message;
}

function testOutcome(test: TestCase): TestOutcome {
  const result = test.result();
  const seconds = (test.diagnostic()?.duration ?? 0) / 1000;
  const outcome: TestOutcome = { name: test.name, result: result.state, seconds: round(seconds) };
  if (result.state === 'failed') outcome.error = result.errors.map(errorText).join('\n');
  return outcome;
}

function scenarioOutcome(module: TestModule): ScenarioOutcome {
  const tests = [...module.children.allTests()].map(testOutcome);
  const errors = [module, ...module.children.allSuites()].flatMap((entity) =>
    entity.errors().map(errorText),
  );
  const [first] = module.children.array();
  const seconds = module.diagnostic().duration / 1000;
  const testSeconds = tests.reduce((sum, test) => sum + test.seconds, 0);
  return {
    file: relative(REPO_ROOT, module.moduleId),
    title: first?.type === 'suite' ? first.name : basename(module.moduleId),
    result: scenarioResult(tests, errors),
    seconds: round(seconds),
    hostSeconds: round(Math.max(0, seconds - testSeconds)),
    tests,
    errors,
  };
}

function readEnvironment(): LabEnvironment | undefined {
  try {
    return JSON.parse(readFileSync(ENVIRONMENT_JSON, 'utf8')) as LabEnvironment;
  } catch {
    return undefined;
  }
}

/** Writes the report (JSON and Markdown) after every lab run, and says where. */
export function writeReport(report: LabReport): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(REPORT_JSON, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(REPORT_MARKDOWN, renderMarkdown(report));
}

export default class LabReporter implements Reporter {
  #startedAt = new Date();
  #started = performance.now();

  onInit(): void {
    this.#startedAt = new Date();
    this.#started = performance.now();
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const report = buildReport(
      this.#startedAt,
      (performance.now() - this.#started) / 1000,
      readEnvironment(),
      testModules.map(scenarioOutcome),
      unhandledErrors.map(errorText),
    );
    writeReport(report);
    console.log(`\nlab report (${report.result}): ${REPORT_MARKDOWN} and ${REPORT_JSON}`);
  }
}
