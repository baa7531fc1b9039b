// Notebook renderer for Eventline query results (mime application/vnd.eventline.kql-result+json), also used for
// .kql runs: a virtualized grid, charts from `render`, copy and export. Built as a browser ESM bundle
// (dist/webviews/renderer.js); every piece of result data reaches the DOM as text, never as markup.
import type { ActivationFunction, OutputItem } from 'vscode-notebook-renderer';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { KQL_RESULT_VERSION, type HostToRenderer, type KqlResultOutput } from '../../protocol/kqlResult';
import { h } from './dom';
import css from './styles.css';
import { ResultView } from './view';

const CSS = `${uplotCss}\n${css}`;

/** Checks the parts of the contract the renderer relies on, so a foreign or damaged output shows a message. */
function parse(item: OutputItem): KqlResultOutput | string {
  let v: unknown;
  try { v = item.json(); } catch (e) { return `This output is not valid JSON (${e instanceof Error ? e.message : String(e)}).`; }
  const o = v as Partial<KqlResultOutput> | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.tables) || !o.info) return 'This output is not an Eventline query result.';
  if (o.version !== KQL_RESULT_VERSION) return `This result was written by another Eventline version (format ${String(o.version)}; this renderer reads ${KQL_RESULT_VERSION}).`;
  for (const t of o.tables) if (!t || !Array.isArray(t.columns) || !Array.isArray(t.rows)) return 'This result has a malformed table.';
  return o as KqlResultOutput;
}

export const activate: ActivationFunction = (ctx) => {
  const views = new Map<string, ResultView>();
  // Host replies carry no output id: they answer the view that sent the last export.
  let awaitingReply: ResultView | undefined;
  ctx.onDidReceiveMessage?.((m: HostToRenderer) => awaitingReply?.onHostMessage(m));
  const post = ctx.postMessage?.bind(ctx);

  return {
    renderOutputItem(item, element) {
      views.get(item.id)?.dispose();
      views.delete(item.id);
      const output = parse(item);
      if (typeof output === 'string') {
        element.replaceChildren(h('div', { class: 'el-result' }, h('style', { text: CSS }), h('div', { class: 'el-error', text: output })));
        return;
      }
      const view: ResultView = new ResultView(output, {
        post: post ? (m) => { if (m.type === 'export') awaitingReply = view; post(m); } : undefined,
      }, CSS);
      element.replaceChildren(view.element);
      view.show();
      views.set(item.id, view);
    },
    disposeOutputItem(id) {
      const ids = id === undefined ? [...views.keys()] : [id];
      for (const i of ids) {
        const v = views.get(i);
        if (v === awaitingReply) awaitingReply = undefined;
        v?.dispose();
        views.delete(i);
      }
    },
  };
};
