import type { ControlServer } from './control';

/** What every part of the local pipeline gets when it starts. */
export interface ServiceContext {
  /** The pipeline's data folder; each service keeps its files in its own sub-folder. */
  readonly dataDir: string;
  /** Parsed `--config` file (eventline.json or the emulator's Config.json), or undefined. */
  readonly configPath: string | undefined;
  readonly options: PipelineOptions;
  readonly control: ControlServer;
  /** Diagnostics go to stderr so stdout stays the one ready line. */
  log(message: string): void;
}

/** A started part of the pipeline: what it adds to the ready line, and how it stops. */
export interface StartedService<Ready = unknown> {
  /** This part's section of the ready line (src/protocol/localReady.ts). */
  readonly ready: Ready;
  /** Stop accepting, flush what was acknowledged, release files. */
  stop(): Promise<void>;
}

export interface PipelineOptions {
  dataDir: string;
  configPath?: string;
  amqpPort: number;
  amqpsPort: number;
  controlPort: number;
  kustoPort: number;
  /** The local Key Vault (HTTPS). */
  vaultPort: number;
  /** The sample source API (HTTP). */
  apiPort: number;
  keyName: string;
  key: string;
  json: boolean;
  /** Do not apply the kql/ schema beside --config at start. */
  noSchema?: boolean;
  /** The local SMTP server (0: a free port). */
  smtpPort: number;
}

export const DEFAULT_OPTIONS: Omit<PipelineOptions, 'dataDir'> = {
  amqpPort: 5672,
  amqpsPort: 5671,
  controlPort: 5300,
  kustoPort: 8080,
  vaultPort: 5443,
  apiPort: 5400,
  keyName: 'RootManageSharedAccessKey',
  key: 'SAS_KEY_VALUE',
  json: false,
  smtpPort: 0,
};
