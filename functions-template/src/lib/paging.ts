// Pages of a REST source: the first request (query, watermark), the records in a response, and the next request
// for each paging style — a next link in the body, a Link header, page numbers or offsets.
import { displayUrl, pageText } from './http';
import { splitRecords } from './split';
import { IngestError, type SourceSettings } from './settings';

const paths = new Map<string, string[]>();
/** A path's keys, split once: the run reads four paths of every record. */
function compiled(path: string): string[] {
  let keys = paths.get(path);
  if (!keys) {
    const p = path.replace(/^\$\.?/, '');
    keys = p === '' ? [] : p.split('.');
    paths.set(path, keys);
  }
  return keys;
}

/** A value at a dotted JSON path such as "data.items" or "$.meta.next"; "$" or "" is the value itself. */
export function valueAt(value: unknown, path: string | undefined): unknown {
  const keys = compiled(path ?? '$');
  let cur: unknown = value;
  for (const key of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export interface PageRequest {
  url: string;
  /** 0-based page number within the run. */
  index: number;
}

/** The first page's URL: the source URL with its query parameters, the watermark and the paging parameters. */
export function firstRequest(source: SourceSettings, watermark: string | undefined, apiKey: string | undefined): PageRequest {
  const u = new URL(source.url);
  for (const [k, v] of Object.entries(source.query ?? {})) u.searchParams.set(k, v);
  if (source.watermark && watermark !== undefined) u.searchParams.set(source.watermark.param, watermark);
  const paging = source.paging;
  if (paging?.style === 'page') {
    u.searchParams.set(paging.pageParam, String(paging.firstPage ?? 1));
    if (paging.pageSizeParam && paging.pageSize) u.searchParams.set(paging.pageSizeParam, String(paging.pageSize));
  } else if (paging?.style === 'offset') {
    u.searchParams.set(paging.offsetParam, '0');
    if (paging.limitParam && paging.limit) u.searchParams.set(paging.limitParam, String(paging.limit));
  }
  if (source.auth?.query && apiKey !== undefined) u.searchParams.set(source.auth.query, apiKey);
  return { url: u.toString(), index: 0 };
}

/**
 * The records of one response, with each record's own bytes when the body could be split (see split.ts); a
 * malformed response fails the run with what is wrong and where.
 */
export function recordsOf(source: SourceSettings, url: string, chunks: Buffer[]): { body: unknown; records: unknown[]; raw?: Buffer[] } {
  const path = source.recordsPath ?? '$';
  const split = splitRecords(chunks, compiled(path));
  // JSON.parse keeps the last of duplicate keys: the split is only trusted when the rest of the body agrees.
  if (split) {
    const left = valueAt(split.body, path);
    if (Array.isArray(left) && left.length === 0) return split;
  }
  const text = pageText({ chunks });
  const where = `Source "${source.name}" (${displayUrl(url, source.auth?.query ? [source.auth.query] : [])})`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    const start = text.slice(0, 80).replace(/\s+/g, ' ');
    throw new IngestError(`${where} returned a response that is not JSON (${e instanceof Error ? e.message : String(e)}; it starts with ${JSON.stringify(start)}). Nothing from this page was sent.`);
  }
  const records = valueAt(body, path);
  if (records === undefined) {
    const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).slice(0, 10).join(', ') : undefined;
    throw new IngestError(`${where} returned JSON without the records path "${path}"${keys !== undefined ? ` (its top-level keys: ${keys || 'none'})` : ''}. Fix recordsPath of the source in eventline.json.`);
  }
  if (!Array.isArray(records)) {
    throw new IngestError(`${where}: the records path "${path}" holds ${records === null ? 'null' : typeof records}, not an array of records. Fix recordsPath of the source in eventline.json.`);
  }
  return { body, records };
}

/** The next page's request, or undefined at the last page. */
export function nextRequest(source: SourceSettings, current: PageRequest, body: unknown, headers: Headers, recordCount: number, apiKey?: string): PageRequest | undefined {
  const paging = source.paging ?? { style: 'none' };
  const index = current.index + 1;
  switch (paging.style) {
    case 'none':
      return undefined;
    case 'nextLink': {
      const next = valueAt(body, paging.nextLinkPath ?? 'next');
      if (next === undefined || next === null || next === '') return undefined;
      if (typeof next !== 'string') throw new IngestError(`Source "${source.name}": the next link at "${paging.nextLinkPath ?? 'next'}" is ${typeof next}, not a URL string.`);
      return { url: withKey(source, new URL(next, current.url), apiKey), index };
    }
    case 'linkHeader': {
      const next = nextFromLinkHeader(headers.get('link'));
      return next ? { url: withKey(source, new URL(next, current.url), apiKey), index } : undefined;
    }
    case 'page': {
      if (recordCount === 0 || (paging.pageSize !== undefined && recordCount < paging.pageSize)) return undefined;
      const u = new URL(current.url);
      u.searchParams.set(paging.pageParam, String((paging.firstPage ?? 1) + index));
      return { url: u.toString(), index };
    }
    case 'offset': {
      if (recordCount === 0 || (paging.limit !== undefined && recordCount < paging.limit)) return undefined;
      const u = new URL(current.url);
      u.searchParams.set(paging.offsetParam, String(Number(u.searchParams.get(paging.offsetParam) ?? 0) + recordCount));
      return { url: u.toString(), index };
    }
  }
}

/** A key carried in the query must survive next links the source builds without it. */
function withKey(source: SourceSettings, next: URL, apiKey: string | undefined): string {
  if (source.auth?.query && apiKey !== undefined && !next.searchParams.has(source.auth.query)) next.searchParams.set(source.auth.query, apiKey);
  return next.toString();
}

/** The rel="next" target of an RFC 8288 Link header. */
export function nextFromLinkHeader(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2])) return m[1];
  }
  return undefined;
}
