import { LIVE_PAGE } from '../../src/export/live-page.js';

// The page must load nothing from elsewhere and must never parse report strings as markup:
// operation types and attribute values are user data.
describe('the live page files', () => {
  it('refer only to files beside them: no other origin, no inline script or style', () => {
    const refs = [...LIVE_PAGE.html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.sort()).toEqual(['favicon.svg', 'page.css', 'page.js']);
    expect(LIVE_PAGE.html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
    // the only absolute URL anywhere is the SVG namespace name, which is never fetched
    const urls = [LIVE_PAGE.html, LIVE_PAGE.script, LIVE_PAGE.style, LIVE_PAGE.icon].flatMap((f) => [...f.matchAll(/\b(?:https?:)?\/\/[a-z0-9.-]+/gi)].map((m) => m[0]));
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org']));
    expect(LIVE_PAGE.style).not.toMatch(/@import|url\(/);
  });

  it('the script builds the page with text and attributes, never markup', () => {
    expect(LIVE_PAGE.script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(() => new Function(LIVE_PAGE.script)).not.toThrow(); // parses
  });
});
