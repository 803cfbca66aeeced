import type { SelectorRunner } from '@devbinder/engine';
import type { UdevDatabase } from '@devbinder/udev';

type Chosen = Awaited<ReturnType<SelectorRunner['select']>>;

/**
 * Remembers what each selector chose from one database. A selector imports nothing, so its choice
 * depends only on its argument and the devices it is offered: for the same database object (the
 * daemon keeps one until udev changes) the answer cannot differ. Containers sharing annotations,
 * and every hook request until the next udev change, then cost no plugin call. Failures are not
 * remembered: a deadline missed under load says nothing about the next try.
 */
export class SelectionCache implements SelectorRunner {
  private database: UdevDatabase | undefined;
  private readonly answers = new Map<string, Promise<Chosen>>();

  constructor(private readonly runner: SelectorRunner) {}

  select(selector: string, argument: string, db: UdevDatabase): Promise<Chosen> {
    if (db !== this.database) {
      this.database = db;
      this.answers.clear();
    }
    const key = `${selector}\0${argument}`;
    const known = this.answers.get(key);
    if (known) return known;
    const answer = this.runner.select(selector, argument, db);
    this.answers.set(key, answer);
    answer.catch(() => {
      if (this.answers.get(key) === answer) this.answers.delete(key);
    });
    return answer;
  }
}
