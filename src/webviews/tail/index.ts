// Live tail webview (arrives with the tail issue). The page posts 'ready' so the host never posts too early.
declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

const vscode = acquireVsCodeApi();
vscode.postMessage({ type: 'ready' });
