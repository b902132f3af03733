/**
 * Walks a guide: the current step is a HAR page in the sink; the holder advances with Enter (terminal),
 * the in-page Next button, or an autopilot. Resolves `done` after the last step.
 */
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Guide, GuideStep } from './guide.js';
import type { HarSink } from './sink.js';

/** What the terminal and the banner show. */
export interface StepState {
  index: number;
  total: number;
  id: string;
  title: string;
  do: string;
  url?: string;
  guide: string;
}

export class GuideRunner {
  readonly guide: Guide;
  readonly #sink: HarSink;
  readonly #onStep: (state: StepState, step: GuideStep) => Promise<void> | void;
  #index = -1;
  #resolveDone!: () => void;
  readonly done: Promise<void>;
  #advancing: Promise<void> = Promise.resolve();

  constructor(
    guide: Guide,
    sink: HarSink,
    onStep: (state: StepState, step: GuideStep) => Promise<void> | void,
  ) {
    this.guide = guide;
    this.#sink = sink;
    this.#onStep = onStep;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  get finished(): boolean {
    return this.#index >= this.guide.steps.length;
  }

  get state(): StepState | undefined {
    const step = this.guide.steps[this.#index];
    if (!step) return undefined;
    return {
      index: this.#index,
      total: this.guide.steps.length,
      id: step.id,
      title: step.title,
      do: step.do,
      ...(step.url ? { url: step.url } : {}),
      guide: this.guide.name,
    };
  }

  /** Moves to the next step (the first on the first call); after the last one, resolves `done`. */
  next(): Promise<void> {
    this.#advancing = this.#advancing.then(async () => {
      if (this.finished) return;
      this.#index += 1;
      const step = this.guide.steps[this.#index];
      if (!step) {
        this.#resolveDone();
        return;
      }
      this.#sink.startStep(step.id, step.title);
      await this.#onStep(this.state as StepState, step);
    });
    return this.#advancing;
  }

  /** Jumps to the step with `id` (autopilot `next-step: id`); unknown ids just advance. */
  async goTo(id: string): Promise<void> {
    const target = this.guide.steps.findIndex((s) => s.id === id);
    if (target <= this.#index) return this.next();
    while (this.#index < target - 1) this.#index += 1;
    return this.next();
  }

  /** Advances on every line from `input` (the holder pressing Enter). Returns a function to stop listening. */
  listen(input: Readable): () => void {
    const rl = createInterface({ input, terminal: false });
    rl.on('line', () => void this.next());
    // End of input is not "finished": a closed stdin (a pipe) must not end a manual capture early.
    return () => rl.close();
  }
}
