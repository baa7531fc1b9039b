import type { Browser } from 'playwright-core';
import type { Toolchain } from './toolchain';

export interface CodeServer {
  url: string;
  port: number;
  authority: string;
  runDir: string;
  userData: string;
  extensions: string;
  output(): string;
  stop(): Promise<void>;
}
export function startCodeServer(o: {
  toolchain: Toolchain;
  workspace: string;
  smokeDriver?: boolean;
  vsix?: string;
  /** Unpacked extension folders copied into the fresh extensions folder. */
  extraExtensions?: string[];
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  onLog?: (line: string) => void;
}): Promise<CodeServer>;
export function launchChromium(chromiumPath: string): Promise<Browser>;
export const CHROMIUM_ARGS: string[];
export function killAll(): void;
export function trackProcessGroup(pid: number): void;
/** A port in [from, to] that nothing on 127.0.0.1 listens on now, tried from a random start. */
export function freePort(from?: number, to?: number): Promise<number>;
