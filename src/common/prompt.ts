// One way to ask the user: quick picks, input boxes, confirmations and file dialogs that throw the cancellation
// error themselves (so a dismissed step ends the command quietly through registerCommand), keep every step of a
// multi-step flow open when focus moves (a tail panel or a notification taking focus must not cancel a command
// half-way), and let tests queue answers instead of passing test-only arguments to commands.
import * as vscode from 'vscode';
import { UserCancelledError } from '../core/errors';

export interface Choice<T> extends vscode.QuickPickItem { value: T }

/**
 * A queued test answer: for a pick, the label (or a RegExp on it) of the item to choose, or an array of them for a
 * multi-pick; for an input box, the text typed (its validation still runs); for a confirmation, the button
 * label; for a file dialog, a file path. `CANCEL` dismisses the prompt.
 */
export type TestAnswer = string | RegExp | (string | RegExp)[] | typeof CANCEL;
// Registered, so the test bundle's CANCEL is the extension bundle's: a plain Symbol() would differ per bundle.
export const CANCEL = Symbol.for('eventline.prompt.cancel');

export interface PickOptions { title: string; placeHolder?: string; matchOnDescription?: boolean }
export interface InputOptions {
  title: string; prompt?: string; value?: string; placeHolder?: string; password?: boolean;
  validate?: (value: string) => string | undefined;
  /** A live note under the box while the value is valid (e.g. a schedule read back as "every 30 seconds"). */
  preview?: (value: string) => string | undefined;
}

const strip = (label: string) => label.replace(/\$\([\w-]+(~spin)?\)\s*/g, '');

export class Prompter {
  private readonly answers: TestAnswer[] = [];

  /** Tests: the next prompts take these answers, in order, instead of showing anything. */
  queue(...answers: TestAnswer[]): void {
    this.answers.push(...answers);
  }

  /** How many queued answers no prompt has taken yet (a test checks it is 0 at the end). */
  get pending(): number { return this.answers.length; }

  clear(): void { this.answers.length = 0; }

  private next(): TestAnswer | undefined {
    if (this.answers.length === 0) return undefined;
    const answer = this.answers.shift()!;
    if (answer === CANCEL) throw new UserCancelledError();
    return answer;
  }

  private static match<T>(items: readonly Choice<T>[], answer: string | RegExp, title: string): Choice<T> {
    const found = items.find((i) => (typeof answer === 'string' ? strip(i.label) === strip(answer) : answer.test(strip(i.label))));
    if (!found) throw new Error(`Test answer ${String(answer)} matches no item of "${title}": ${items.map((i) => strip(i.label)).join(' | ')}`);
    return found;
  }

  async pick<T>(items: readonly Choice<T>[] | Promise<readonly Choice<T>[]>, options: PickOptions): Promise<T> {
    const answer = this.next();
    if (answer !== undefined) {
      if (Array.isArray(answer)) throw new Error(`Test answer for "${options.title}" is a list, but it is a single pick.`);
      return Prompter.match(await items, answer as string | RegExp, options.title).value;
    }
    const picked = await vscode.window.showQuickPick(items, { ...options, ignoreFocusOut: true });
    if (!picked) throw new UserCancelledError();
    return picked.value;
  }

  async pickMany<T>(items: readonly Choice<T>[], options: PickOptions): Promise<T[]> {
    const answer = this.next();
    if (answer !== undefined) {
      const list = Array.isArray(answer) ? answer : [answer as string | RegExp];
      return list.map((a) => Prompter.match(items, a, options.title).value);
    }
    const picked = await vscode.window.showQuickPick(items, { ...options, canPickMany: true, ignoreFocusOut: true });
    if (!picked || picked.length === 0) throw new UserCancelledError();
    return picked.map((p) => p.value);
  }

  async input(options: InputOptions): Promise<string> {
    const answer = this.next();
    if (answer !== undefined) {
      if (typeof answer !== 'string') throw new Error(`Test answer for the input box "${options.title}" must be a string.`);
      const problem = options.validate?.(answer);
      if (problem) throw new Error(`Test answer "${answer}" for "${options.title}" does not validate: ${problem}`);
      return answer;
    }
    const text = await vscode.window.showInputBox({
      title: options.title, prompt: options.prompt, value: options.value, placeHolder: options.placeHolder, password: options.password,
      ignoreFocusOut: true,
      validateInput: (value) => {
        const problem = options.validate?.(value);
        if (problem) return problem;
        const note = options.preview?.(value);
        return note ? { message: note, severity: vscode.InputBoxValidationSeverity.Info } : undefined;
      },
    });
    if (text === undefined) throw new UserCancelledError();
    return text;
  }

  /** A modal question; resolves with the chosen button, throws the cancellation error on Cancel / Escape. */
  async confirm<B extends string>(message: string, options: { detail?: string; buttons: readonly B[] }): Promise<B> {
    const answer = this.next();
    if (answer !== undefined) {
      const button = options.buttons.find((b) => (typeof answer === 'string' ? b === answer : answer instanceof RegExp && answer.test(b)));
      if (!button) throw new Error(`Test answer ${String(answer)} is not a button of "${message}": ${options.buttons.join(' | ')}`);
      return button;
    }
    const choice = await vscode.window.showWarningMessage(message, { modal: true, detail: options.detail }, ...options.buttons);
    if (!choice) throw new UserCancelledError();
    return choice;
  }

  async saveFile(options: { title: string; defaultUri?: vscode.Uri; filters?: Record<string, string[]> }): Promise<vscode.Uri> {
    const answer = this.next();
    if (answer !== undefined) {
      if (typeof answer !== 'string') throw new Error(`Test answer for "${options.title}" must be a file path.`);
      return vscode.Uri.file(answer);
    }
    const picked = await vscode.window.showSaveDialog({ title: options.title, defaultUri: options.defaultUri, filters: options.filters });
    if (!picked) throw new UserCancelledError();
    return picked;
  }

  async openFolder(options: { title: string; defaultUri?: vscode.Uri }): Promise<vscode.Uri> {
    const answer = this.next();
    if (answer !== undefined) {
      if (typeof answer !== 'string') throw new Error(`Test answer for "${options.title}" must be a folder path.`);
      return vscode.Uri.file(answer);
    }
    const picked = await vscode.window.showOpenDialog({ title: options.title, defaultUri: options.defaultUri, canSelectFiles: false, canSelectFolders: true, canSelectMany: false });
    if (!picked?.[0]) throw new UserCancelledError();
    return picked[0];
  }

  async openFile(options: { title: string; filters?: Record<string, string[]> }): Promise<vscode.Uri> {
    const answer = this.next();
    if (answer !== undefined) {
      if (typeof answer !== 'string') throw new Error(`Test answer for "${options.title}" must be a file path.`);
      return vscode.Uri.file(answer);
    }
    const picked = await vscode.window.showOpenDialog({ title: options.title, filters: options.filters, canSelectMany: false });
    if (!picked?.[0]) throw new UserCancelledError();
    return picked[0];
  }
}

/** The extension's one prompter (tests reach it through the API activate() returns). */
export const prompts = new Prompter();
