// Notebook renderer for Eventline query results (mime application/vnd.eventline.kql-result+json).
// The grid and charts arrive with the KQL issue; until then it shows the row count and a JSON preview as text.
interface OutputItem { json(): unknown }
interface RenderContext { readonly workspace?: unknown }

export function activate(_ctx: RenderContext) {
  return {
    renderOutputItem(item: OutputItem, element: HTMLElement): void {
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify(item.json(), null, 2);
      element.replaceChildren(pre);
    },
  };
}
