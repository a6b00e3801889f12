import { describe, expect, it } from 'vitest';
import { html, raw } from '../../report/html.ts';

describe('the escaping html template', () => {
  it('escapes every interpolated text, in content and in attributes', () => {
    const name = `<img src=x onerror="alert('x')"> & co`;
    expect(html`<td title="${name}">${name}</td>`.toString()).toBe(
      '<td title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co</td>',
    );
  });

  it('keeps nested templates as markup, escapes each item of an array, and prints nothing for null, undefined and false', () => {
    const items = ['a<b', html`<em>${'c&d'}</em>`];
    expect(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${null}${undefined}${false}${0}`.toString()).toBe(
      '<ul><li>a&lt;b</li><li><em>c&amp;d</em></li></ul>0',
    );
  });

  it('inserts only raw() text as it is', () => {
    expect(html`<style>${raw('a > b {}')}</style>`.toString()).toBe('<style>a > b {}</style>');
    expect(html`<style>${'a > b {}'}</style>`.toString()).toBe('<style>a &gt; b {}</style>');
  });
});
