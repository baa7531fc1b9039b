// Splits a JSON response into its records' own bytes without building the page as one string.
//
// Why: a page of 1,000 records of 1 KiB is a 1 MB body. Decoding it into one string and parsing it allocates two
// 1 MB blocks per page, which the allocator maps fresh each time (page faults dominate on small VMs), and sending the
// parsed records makes the Event Hubs client stringify each one again. Scanning the body's chunks for the records
// array and parsing each record on its own keeps every allocation small, and the record's bytes are sent as they came
// (a JSON data section, as the client writes for an object body), so a number such as 12345678901234567890 or 21.50
// reaches the hub exactly as the source wrote it.
//
// The scanner only finds boundaries; JSON.parse still judges every byte. Whenever the scan is unsure (the records
// path not found, found twice, a record or the rest of the body that does not parse) the caller falls back to
// parsing the whole body, which gives the same answer and the same error messages as before.
import { isUtf8 } from 'node:buffer';

export interface SplitPage {
  /** The body with the records array emptied (`[]`), parsed: where the next link and other fields are read. */
  body: unknown;
  records: unknown[];
  /** Each record's bytes as the source sent them (valid UTF-8 JSON), in order. */
  raw: Buffer[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

interface Frame {
  array: boolean;
  /** The key of the value being read in an object frame (decoded), when its path still matters. */
  key?: string;
  /** True while an object frame waits for a key (after `{` or `,`). */
  expectKey: boolean;
  /** The keys from the root down to this container; undefined once the path can no longer match. */
  path?: string[];
}

/** Byte position in the chunk list. */
interface Pos { c: number; i: number }

/**
 * Splits `chunks` (a JSON document) at the array found at `keys` (the records path split on dots; [] for the
 * document itself). Returns undefined when it cannot split with certainty; the caller then parses the whole body.
 */
export function splitRecords(chunks: readonly Uint8Array[], keys: readonly string[]): SplitPage | undefined {
  const bufs = chunks.map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  const envelope: Buffer[] = [];
  const raw: Buffer[] = [];
  const stack: Frame[] = [];
  let found = false;
  // Inside the records array: depth below the array (0 = between records), and where the current record began.
  let inRecords = false;
  let depth = 0;
  // Numbers, not objects: these move on every byte of every record. startC < 0: no record begun.
  let startC = -1;
  let startI = 0;
  let endC = 0;
  let endI = 0;
  // Envelope bytes are taken as whole runs of a chunk: from envStart up to the records array and after it.
  let envStart: Pos | undefined = { c: 0, i: 0 };
  // String state that survives a chunk boundary.
  let inString = false;
  let trailingBackslashes = 0;
  let keyParts: Buffer[] | undefined;
  let pendingKey: string | undefined;
  let rootPath: string[] | undefined = [];

  const slice = (from: Pos, to: Pos): Buffer => {
    if (from.c === to.c) return bufs[from.c].subarray(from.i, to.i);
    const parts = [bufs[from.c].subarray(from.i)];
    for (let c = from.c + 1; c < to.c; c++) parts.push(bufs[c]);
    parts.push(bufs[to.c].subarray(0, to.i));
    return Buffer.concat(parts);
  };
  const endRecord = (): boolean => {
    if (startC < 0) return false;
    raw.push(slice({ c: startC, i: startI }, { c: endC, i: endI }));
    startC = -1;
    return true;
  };

  for (let c = 0; c < bufs.length; c++) {
    const buf = bufs[c];
    let i = 0;
    // A UTF-8 byte order mark before the document: fetch's text() drops it too.
    if (c === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
      i = 3;
      envStart = { c: 0, i: 3 };
    }
    while (i < buf.length) {
      if (inString) {
        let q = buf.indexOf(QUOTE, i);
        while (q >= 0) {
          // A quote ends the string unless an odd number of backslashes precede it (counting across the boundary).
          let n = 0;
          let k = q - 1;
          while (k >= i && buf[k] === BACKSLASH) { n++; k--; }
          if (k < i && i === 0) n += trailingBackslashes;
          if (n % 2 === 0) break;
          q = buf.indexOf(QUOTE, q + 1);
        }
        if (q < 0) {
          // The string goes on in the next chunk.
          let n = 0;
          let k = buf.length - 1;
          while (k >= i && buf[k] === BACKSLASH) { n++; k--; }
          trailingBackslashes = k < i && i === 0 ? trailingBackslashes + n : n;
          keyParts?.push(buf.subarray(i));
          i = buf.length;
          break;
        }
        trailingBackslashes = 0;
        inString = false;
        if (keyParts) {
          keyParts.push(buf.subarray(i, q));
          try {
            pendingKey = JSON.parse(`"${Buffer.concat(keyParts).toString('utf8')}"`) as string;
          } catch {
            return undefined;
          }
          keyParts = undefined;
        }
        i = q + 1;
        if (inRecords) { endC = c; endI = i; }
        continue;
      }
      const b = buf[i];
      if (inRecords) {
        if (b === QUOTE) {
          if (depth === 0 && startC < 0) { startC = c; startI = i; }
          inString = true;
          i++;
          continue;
        }
        if (b === 0x7b || b === 0x5b) {
          if (depth === 0 && startC < 0) { startC = c; startI = i; }
          depth++;
        } else if (b === 0x7d || b === 0x5d) {
          if (depth === 0) {
            if (b !== 0x5d) return undefined;
            // The records array ends here; an empty slot before it (`[1,]`) is left to JSON.parse below.
            if (!endRecord() && raw.length > 0) return undefined;
            inRecords = false;
            envStart = { c, i };
            i++;
            stack.pop();
            continue;
          }
          depth--;
        } else if (b === 0x2c && depth === 0) {
          if (!endRecord()) return undefined;
          i++;
          continue;
        } else if (!isSpace(b) && depth === 0 && startC < 0) {
          startC = c;
          startI = i;
        }
        if (!isSpace(b)) { endC = c; endI = i + 1; }
        i++;
        continue;
      }
      // The envelope: follow containers and keys only as far as the records path.
      const top = stack[stack.length - 1];
      if (b === QUOTE) {
        inString = true;
        if (top && !top.array && top.expectKey) {
          top.expectKey = false;
          // Only keys on the records path are decoded.
          keyParts = top.path && top.path.length < keys.length ? [] : undefined;
          if (!keyParts) pendingKey = undefined;
        } else {
          rootPath = undefined;
        }
        i++;
        continue;
      }
      if (b === 0x3a) {
        if (top && !top.array) top.key = pendingKey;
        pendingKey = undefined;
      } else if (b === 0x2c) {
        if (top && !top.array) top.expectKey = true;
      } else if (b === 0x7b || b === 0x5b) {
        const path = valuePath(stack, rootPath);
        rootPath = undefined;
        const array = b === 0x5b;
        if (array && path && path.length === keys.length && path.every((k, n) => k === keys[n])) {
          if (found) return undefined;
          found = true;
          inRecords = true;
          depth = 0;
          if (envStart) envelope.push(slice(envStart, { c, i: i + 1 }));
          envStart = undefined;
          stack.push({ array: true, expectKey: false });
          i++;
          continue;
        }
        stack.push({ array, expectKey: !array, path: path && path.length < keys.length ? path : undefined });
      } else if (b === 0x7d || b === 0x5d) {
        stack.pop();
      } else if (!isSpace(b)) {
        rootPath = undefined;
      }
      i++;
    }
  }
  if (!found || inRecords || inString) return undefined;
  if (envStart) envelope.push(slice(envStart, { c: bufs.length - 1, i: bufs[bufs.length - 1]?.length ?? 0 }));

  let body: unknown;
  const records: unknown[] = new Array(raw.length);
  try {
    body = JSON.parse(Buffer.concat(envelope).toString('utf8'));
    for (let n = 0; n < raw.length; n++) {
      const r = raw[n];
      const text = r.toString('utf8');
      records[n] = JSON.parse(text);
      // Bytes that are not UTF-8 are sent as decoded (with U+FFFD), as the whole-body path would have sent them.
      if (!isUtf8(r)) raw[n] = Buffer.from(text, 'utf8');
    }
  } catch {
    return undefined;
  }
  return { body, records, raw };
}

/** The key path of the value about to start, or undefined when it is not on the records path. */
function valuePath(stack: readonly Frame[], rootPath: string[] | undefined): string[] | undefined {
  if (stack.length === 0) return rootPath;
  const top = stack[stack.length - 1];
  if (top.array || !top.path || top.key === undefined) return undefined;
  return [...top.path, top.key];
}
