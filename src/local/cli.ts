import * as path from 'node:path';
import { startPipeline } from './pipeline';
import { DEFAULT_OPTIONS, type PipelineOptions } from './service';

const USAGE = `Usage: eventline-local start [--data DIR] [--config FILE] [--amqp-port 5672] [--amqps-port 5671]
                             [--control-port 5300] [--kusto-port 8080] [--vault-port 5443] [--api-port 5400]
                             [--key-name NAME] [--key KEY] [--json] [--no-schema] [--smtp-port 0]

Starts the local Eventline pipeline (Event Hubs over AMQP, an Eventhouse over Kusto REST, a Key Vault over HTTPS,
a sample source API, the runner of the ingest functions named in --config, a control API) in the foreground, on
127.0.0.1 only. Ports may be 0 to pick free ones; the ready line reports the ports in use.
The key defaults to the official emulator's SAS_KEY_VALUE; set EVENTLINE_LOCAL_KEY (or --key) to change it.
At start the Eventhouse takes the schema in the kql/ folder beside --config (new tables and columns, mappings,
functions, policies; nothing is dropped); --no-schema leaves it as it is.
The alert runner evaluates the config's alerts and mails through a local SMTP server (--smtp-port, default 0: a
free port; it takes the key name and key as user and password).`;

export class UsageError extends Error {}

const PORT_FLAGS = { '--amqp-port': 'amqpPort', '--amqps-port': 'amqpsPort', '--control-port': 'controlPort', '--kusto-port': 'kustoPort', '--vault-port': 'vaultPort', '--api-port': 'apiPort', '--smtp-port': 'smtpPort' } as const;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): PipelineOptions {
  if (argv[0] !== 'start') throw new UsageError(argv.length === 0 ? 'Missing command "start".' : `Unknown command "${argv[0]}".`);
  const opts: PipelineOptions = {
    ...DEFAULT_OPTIONS,
    dataDir: path.resolve('.eventline-local'),
    key: env.EVENTLINE_LOCAL_KEY || DEFAULT_OPTIONS.key,
  };
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') { opts.json = true; continue; }
    if (flag === '--no-schema') { opts.noSchema = true; continue; }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
    i++;
    if (flag in PORT_FLAGS) {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be a port number 0-65535, not "${value}".`);
      opts[PORT_FLAGS[flag as keyof typeof PORT_FLAGS]] = port;
    } else if (flag === '--data') {
      opts.dataDir = path.resolve(value);
    } else if (flag === '--config') {
      opts.configPath = path.resolve(value);
    } else if (flag === '--key-name') {
      opts.keyName = value;
    } else if (flag === '--key') {
      opts.key = value;
    } else {
      throw new UsageError(`Unknown option ${flag}.`);
    }
  }
  return opts;
}

function log(message: string): void {
  process.stderr.write(`[eventline-local] ${message}\n`);
}

async function main(): Promise<number> {
  let options: PipelineOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const pipeline = await startPipeline(options, log);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping`);
      pipeline.stop().then(resolve, (e: unknown) => { log(`stop failed: ${String(e)}`); resolve(); });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // Only now: whoever reads the ready line may signal at once, and must not hit the default (kill) action.
    process.stdout.write(options.json
      ? `${JSON.stringify(pipeline.ready)}\n`
      : `Eventline local pipeline ready: ${JSON.stringify(pipeline.ready)}\n`);
  });
  return 0;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (e: unknown) => {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
