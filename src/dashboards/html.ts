// The dashboard webview's page: a strict Content-Security-Policy (scripts and styles only with this page's nonce,
// no inline handlers, no remote content); everything else the view builds from messages as text nodes.
export function dashboardHtml(o: { nonce: string; cspSource: string; scriptUri: string; title: string }): string {
  const csp = [`default-src 'none'`, `style-src 'nonce-${o.nonce}'`, `script-src 'nonce-${o.nonce}'`, `img-src ${o.cspSource} data:`, `font-src ${o.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<div id="app" class="el-result" role="main"><div class="el-dash-empty">Loading the dashboard…</div></div>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body></html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
