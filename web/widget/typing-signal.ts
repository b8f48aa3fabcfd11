/**
 * The visitor's side of the typing indicator: `typing: true` once when typing starts, `false`
 * after a pause (or when the message goes), never one event per keystroke.
 */

/** A pause this long counts as having stopped typing. */
const IDLE_MS = 3_000;

export class TypingSignal {
  private typing = false;
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly emit: (typing: boolean) => void) {}

  typed(): void {
    if (!this.typing) {
      this.typing = true;
      this.emit(true);
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(true), IDLE_MS);
  }

  /** Stops; tells the agents only if `announce` (a dropped connection already told them). */
  stop(announce: boolean): void {
    clearTimeout(this.idle);
    if (!this.typing) return;
    this.typing = false;
    if (announce) this.emit(false);
  }
}
