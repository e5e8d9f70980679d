/**
 * Pull progress on stderr. On a TTY: one line per layer, redrawn in place at most 10 times a second
 * (`5c3b447848a9: Downloading [=====>      ]  1.2MB/3.4MB`). Otherwise: one line per state change, as
 * docker prints when piped, never carriage-return spam.
 */
import type { PullEvent } from '../engine/index.ts';
import type { Output } from './context.ts';
import { humanSize } from './format/human.ts';

interface LayerLine {
  status: string;
  bytes: number;
  total: number;
}

const REDRAW_MS = 100;
const BAR = 40;

export class PullProgress {
  readonly #out: Output;
  readonly #tty: boolean;
  readonly #layers = new Map<string, LayerLine>();
  #drawnLines = 0;
  #lastDraw = 0;
  #ref = '';
  #digest = '';
  #downloaded = false;
  #done = false;

  constructor(out: Output) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  update(e: PullEvent): void {
    switch (e.type) {
      case 'resolving':
        this.#ref = e.ref;
        this.#out.write(`Trying to pull ${e.ref}...\n`);
        return;
      case 'resolved':
        this.#digest = e.digest;
        return;
      case 'layer':
        this.#layer(e);
        return;
      case 'stored':
        this.#draw(true);
        this.#out.write(`Digest: ${this.#digest}\n`);
        this.#out.write(`Status: ${this.#downloaded ? 'Downloaded newer image' : 'Image is up to date'} for ${this.#ref}\n`);
        this.#done = true;
        return;
    }
  }

  #layer(e: PullEvent & { type: 'layer' }): void {
    const id = e.digest.slice('sha256:'.length, 'sha256:'.length + 12);
    const status = { waiting: 'Waiting', exists: 'Already exists', downloading: 'Downloading', done: 'Pull complete' }[e.phase];
    const line = this.#layers.get(id);
    if (e.phase === 'downloading') this.#downloaded = true;
    if (this.#tty) {
      this.#layers.set(id, { status, bytes: e.bytes, total: e.total });
      this.#draw(line?.status !== status);
      return;
    }
    if (line?.status === status || e.phase === 'waiting') {
      this.#layers.set(id, { status, bytes: e.bytes, total: e.total });
      return;
    }
    this.#layers.set(id, { status, bytes: e.bytes, total: e.total });
    this.#out.write(`${id}: ${status}\n`);
  }

  #draw(force: boolean): void {
    if (!this.#tty || this.#done) return;
    const now = Date.now();
    if (!force && now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    let text = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A` : '';
    for (const [id, l] of this.#layers) text += `\x1b[2K${id}: ${render(l)}\n`;
    this.#drawnLines = this.#layers.size;
    this.#out.write(text);
  }

  /** Leaves the terminal tidy after success, failure or abort. */
  finish(): void {
    this.#draw(true);
    this.#done = true;
  }
}

function render(l: LayerLine): string {
  if (l.status !== 'Downloading' || l.total <= 0) return l.status;
  const filled = Math.min(BAR, Math.floor((l.bytes / l.total) * BAR));
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(BAR - filled)}]`;
  return `${l.status} ${bar} ${humanSize(l.bytes)}/${humanSize(l.total)}`;
}
