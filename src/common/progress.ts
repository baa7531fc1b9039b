// Work the user waits on: a notification with progress and Cancel, where Cancel aborts an AbortSignal that the
// work passes to every request (so cancelling really stops what is sent, not just the spinner). Tests cancel a
// running task through `progress.cancelRunning()` on the API activate() returns: the same abort as the button.
import * as vscode from 'vscode';

export interface ProgressReport { message?: string; increment?: number }

export class ProgressRunner {
  private readonly running = new Map<AbortController, string>();

  /** Titles of the tasks running now. */
  get titles(): string[] { return [...this.running.values()]; }

  /** Runs `task` under a cancellable notification; its signal aborts when the user presses Cancel. */
  run<T>(title: string, task: (signal: AbortSignal, report: (r: ProgressReport) => void) => Promise<T>): Promise<T> {
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      this.running.set(controller, title);
      const onCancel = token.onCancellationRequested(() => controller.abort());
      try {
        return await task(controller.signal, (r) => progress.report(r));
      } finally {
        onCancel.dispose();
        this.running.delete(controller);
      }
    }));
  }

  /** Cancels the running tasks whose title matches (all when no pattern): what pressing their Cancel does. */
  cancelRunning(title?: RegExp): number {
    let n = 0;
    for (const [controller, t] of this.running) {
      if (title && !title.test(t)) continue;
      controller.abort();
      n++;
    }
    return n;
  }
}

/** The extension's one progress runner (tests reach it through the API activate() returns). */
export const progress = new ProgressRunner();
