import type * as vscode from 'vscode';

/** The "Eventline: Deploy" output, and the lines of the current deploy (the API hands them to tests). */
export class DeployLog {
  private current: string[] = [];

  constructor(readonly channel: vscode.LogOutputChannel) {}

  /** Starts the lines of a new deploy. */
  begin(title: string): void {
    this.current = [];
    this.line(`── ${title} ──`);
  }

  line(text: string): void {
    this.current.push(text);
    this.channel.info(text);
  }

  get lines(): readonly string[] { return this.current; }
}
