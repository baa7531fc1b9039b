export type DecodedBody =
  | { kind: 'json'; value: unknown; preview: string }
  | { kind: 'text'; preview: string; text: string }
  | { kind: 'binary'; preview: string; hex: string; base64: string; bytes: number };

const PREVIEW_CHARS = 200;

function preview(s: string): string {
  const oneLine = s.replace(/\s+/g, ' ');
  return oneLine.length > PREVIEW_CHARS ? `${oneLine.slice(0, PREVIEW_CHARS - 1)}…` : oneLine;
}

function isText(buf: Uint8Array): boolean {
  // Valid UTF-8 without control characters other than whitespace reads as text.
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    // eslint-disable-next-line no-control-regex -- control characters are exactly what marks bytes as binary
    return !/[\u0000-\u0008\u000e-\u001f]/.test(s);
  } catch {
    return false;
  }
}

/**
 * How an event body is shown. The SDK hands over a parsed value for JSON data sections and a Buffer/Uint8Array
 * for raw bytes; bytes that are UTF-8 JSON or text are shown as such, anything else as hex and base64.
 */
export function decodeBody(body: unknown): DecodedBody {
  if (body instanceof Uint8Array) {
    if (isText(body)) {
      const text = new TextDecoder().decode(body);
      try {
        const value: unknown = JSON.parse(text);
        return { kind: 'json', value, preview: preview(JSON.stringify(value)) };
      } catch {
        return { kind: 'text', text, preview: preview(text) };
      }
    }
    const hex = Array.from(body.subarray(0, 4096), (b) => b.toString(16).padStart(2, '0')).join(' ');
    const base64 = Buffer.from(body).toString('base64');
    return { kind: 'binary', hex, base64, bytes: body.length, preview: `${body.length} bytes: ${hex.slice(0, 60)}${body.length > 20 ? '…' : ''}` };
  }
  if (typeof body === 'string') return { kind: 'text', text: body, preview: preview(body) };
  if (body === undefined) return { kind: 'text', text: '', preview: '' };
  const json = JSON.stringify(body) as string | undefined;
  return { kind: 'json', value: body, preview: preview(json ?? typeof body) };
}

/** The full text the details pane shows. Computed on demand: at 20,000 events/s nobody opens most of them. */
export function bodyDetail(b: DecodedBody): string {
  switch (b.kind) {
    case 'json': return JSON.stringify(b.value, null, 2) ?? String(b.value);
    case 'text': return b.text;
    case 'binary': return `hex:\n${b.hex}\n\nbase64:\n${b.base64}`;
  }
}
