import { describe, expect, it } from 'vitest';
import { GENERATOR_CPU_LIMIT, GENERATOR_SEND_LAG_LIMIT_US } from '../../bench/model/generator-limits.ts';
import { loadAssets } from '../../report/assets.ts';
import { html, raw } from '../../report/html.ts';
import { renderReport } from '../../report/render.ts';
import { defaultStep, results } from './fixture.ts';

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

describe('the page', () => {
  it('quotes the generator limits from the constants the trial accounting uses', () => {
    const page = renderReport(results([defaultStep()]), loadAssets());
    expect(page).toContain(`it used ${GENERATOR_CPU_LIMIT * 100}% of a core or sent more than ${GENERATOR_SEND_LAG_LIMIT_US / 1000} ms late at p99`);
  });

  it('inlines its style and script from report/page.css and report/page.js', () => {
    const assets = loadAssets();
    const page = renderReport(results([defaultStep()]), assets);
    expect(page).toContain(`<style>${assets.css}</style>`);
    expect(page).toContain(`<script>${assets.script}</script>`);
    expect(assets.script).toContain("document.getElementById('chart-specs')");
  });
});
