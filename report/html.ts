/**
 * An escaping tagged template for the report's HTML. Every interpolated value is escaped, except
 * an `Html` (what `html` itself returns, or `raw()` of text known to be markup), and an array is
 * its items, each treated the same way, joined. So no value from a results file can inject markup.
 *
 * Hand-written (a dozen lines) rather than a library: `ghtml` returns plain strings, so nesting
 * one template in another needs its `!${}` escape hatch, which lets any string through
 * unescaped; `escape-html-template-tag` has this very design but ships a browser-data package
 * (caniuse-lite) as a runtime dependency.
 */

/** Markup: text that is inserted as it is. Made only by `html` and `raw`. */
export class Html {
  constructor(private readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** What a template may interpolate. `null`, `undefined` and `false` are nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an element's content and a quoted attribute's value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** The tag: `html`<td>${text}</td>`` escapes `text`; nested templates are kept as markup. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  return new Html(strings.reduce((out, literal, i) => out + render(values[i - 1] as HtmlValue) + literal));
}

/** Markup from a trusted source (the page's own CSS and script), inserted as it is. */
export function raw(markup: string): Html {
  return new Html(markup);
}
