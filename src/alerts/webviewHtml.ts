// The shell page of Eventline's alert webviews: a strict CSP (nothing but the bundle, by nonce; no inline script,
// no remote content) and a root the bundle fills in. Every user value reaches the page through postMessage and is
// set as text or a property there, never as markup.
export function webviewHtml(o: { nonce: string; cspSource: string; scriptUri: string; title: string; frameSrc?: string }): string {
  const n = o.nonce;
  const csp = [
    `default-src 'none'`, `style-src ${o.cspSource} 'nonce-${n}'`, `script-src 'nonce-${n}'`, `font-src ${o.cspSource}`, `img-src ${o.cspSource} data:`,
    ...(o.frameSrc ? [`frame-src ${o.frameSrc}`] : []),
  ].join('; ');
  const title = o.title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${title}</title>
</head>
<body><main id="root" data-nonce="${n}"></main>
<script nonce="${n}" src="${o.scriptUri}"></script>
</body></html>`;
}
