// Where a run remembers how far it got. Saved only after the hub accepted everything up to it, so a failed run
// resends (at least once) and a good run never repeats (the ids at the watermark value are kept to skip the
// records a `since` query returns again at its boundary).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { IngestError } from './settings';

export interface Watermark {
  /** The largest watermark-field value sent so far, as the source wrote it. */
  value: string | number;
  /** Ids of the records sent whose field equals `value`. */
  ids: string[];
  /** ISO time it was saved. */
  updated: string;
}

/** One small interface for every place a watermark can live. */
export interface WatermarkStore {
  load(key: string): Promise<Watermark | undefined>;
  save(key: string, watermark: Watermark): Promise<void>;
}

function parse(text: string, where: string): Watermark {
  try {
    const w = JSON.parse(text) as Watermark;
    if ((typeof w.value !== 'string' && typeof w.value !== 'number') || !Array.isArray(w.ids)) throw new Error('unexpected shape');
    return w;
  } catch (e) {
    throw new IngestError(`The saved watermark ${where} is not readable (${e instanceof Error ? e.message : String(e)}); delete it to fetch from the start again.`);
  }
}

/** A JSON file per key in a folder (locally: the pipeline's data folder), replaced atomically. */
export class FileWatermarkStore implements WatermarkStore {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  async load(key: string): Promise<Watermark | undefined> {
    const f = this.file(key);
    let text: string;
    try {
      text = await fs.promises.readFile(f, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return parse(text, `in ${f}`);
  }

  async save(key: string, watermark: Watermark): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const f = this.file(key);
    const tmp = `${f}.${process.pid}.tmp`;
    const handle = await fs.promises.open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(watermark));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, f);
  }
}

/** A blob per key in the function's own storage account (AzureWebJobsStorage). */
export class BlobWatermarkStore implements WatermarkStore {
  private ready: Promise<unknown> | undefined;
  constructor(private readonly container: ContainerClient) {}

  async load(key: string): Promise<Watermark | undefined> {
    const blob = this.container.getBlockBlobClient(`${key}.json`);
    try {
      const buf = await blob.downloadToBuffer();
      return parse(buf.toString('utf8'), `in blob ${this.container.containerName}/${key}.json`);
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 404) return undefined;
      throw e;
    }
  }

  async save(key: string, watermark: Watermark): Promise<void> {
    this.ready ??= this.container.createIfNotExists();
    await this.ready;
    const text = JSON.stringify(watermark);
    await this.container.getBlockBlobClient(`${key}.json`).upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  }
}

/** A watermark value with its time parsed once: a run compares every record with the current watermark. */
export interface WatermarkKey {
  value: string | number;
  time: number;
}

export function watermarkKey(value: string | number): WatermarkKey {
  return { value, time: typeof value === 'string' ? Date.parse(value) : NaN };
}

/** Orders watermark values: numbers numerically, ISO-looking times by time, anything else as text. */
export function compareKeys(a: WatermarkKey, b: WatermarkKey): number {
  if (typeof a.value === 'number' && typeof b.value === 'number') return a.value - b.value;
  if (!Number.isNaN(a.time) && !Number.isNaN(b.time)) return a.time - b.time;
  const sa = String(a.value);
  const sb = String(b.value);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function compareWatermarks(a: string | number, b: string | number): number {
  return compareKeys(watermarkKey(a), watermarkKey(b));
}
