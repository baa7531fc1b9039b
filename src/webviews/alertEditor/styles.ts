// Theme colors and fonts come from VS Code's CSS variables, so the page follows the user's theme.
export const CSS = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 24px; max-width: 900px; }
h1 { font-size: 1.4em; font-weight: 600; }
fieldset { border: 1px solid var(--vscode-panel-border); margin: 0 0 12px; padding: 8px 12px 4px; }
legend { font-weight: 600; padding: 0 4px; }
.row { display: flex; flex-direction: column; gap: 2px; margin-bottom: 8px; }
.row[hidden] { display: none; }
.row vscode-textfield, .row vscode-textarea, .row vscode-single-select { width: 100%; }
.hint { opacity: .75; font-size: .92em; }
.message:empty { display: none; }
.message.error, #summary, #save-state.error, #schema.problems { color: var(--vscode-errorForeground); }
.message.warning { color: var(--vscode-editorWarning-foreground); }
#save-state.ok, #schema.ok { color: var(--vscode-testing-iconPassed); }
#summary:empty { display: none; }
#summary { margin-bottom: 8px; }
.schema-bar, .actions { display: flex; gap: 8px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
#schema { flex: 1 1 300px; }
:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
`;
