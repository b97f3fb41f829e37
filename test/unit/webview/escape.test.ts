import assert from 'node:assert/strict';
import { escapeCsvField, escapeMarkdownCell, escapeXml } from '../../../webview/model/escape';
import { reportCsv, reportJson, reportMarkdown } from '../../../webview/model/report';
import { webviewCsp, webviewHtml } from '../../../webview/html';
import { analysisOf } from './build';

const EVIL = '<img src=x onerror=alert(1)>';

describe('webview escaping', () => {
  it('escapes markup for XML/SVG text and attributes', () => {
    assert.equal(escapeXml(EVIL), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(escapeXml(`a"b'c&d`), 'a&quot;b&#39;c&amp;d');
    assert.equal(escapeXml('a\u0001b'), 'ab');
  });

  it('keeps Markdown tables intact and inert', () => {
    assert.equal(escapeMarkdownCell('a|b\nc'), 'a\\|b c');
    assert.ok(!escapeMarkdownCell(EVIL).includes('<'));
  });

  it('quotes CSV fields and defuses spreadsheet formulas', () => {
    assert.equal(escapeCsvField('a,b'), '"a,b"');
    assert.equal(escapeCsvField('say "hi"'), '"say ""hi"""');
    assert.equal(escapeCsvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(escapeCsvField('-12'), '-12');
  });

  it('reports carry a hostile layer name as text', () => {
    const a = analysisOf([[EVIL, 'Conv', ['x'], ['y'], 3]], { outputs: ['y'] });
    const md = reportMarkdown(a);
    assert.ok(!md.includes('<img'), md);
    assert.ok(md.includes('&lt;img src=x onerror=alert(1)&gt;'));
    const csv = reportCsv(a);
    assert.equal(csv.split('\r\n')[1].split(',')[0], EVIL);
    assert.equal(JSON.parse(reportJson(a)).layers[0].name, EVIL);
  });

  it('the HTML template escapes its inputs and sets a strict CSP', () => {
    const html = webviewHtml({ scriptUri: 'https://x/"><script>alert(1)</script>', styleUri: 's', cspSource: 'https://x', nonce: 'abc', title: EVIL });
    assert.ok(!html.includes('<script>alert(1)'));
    assert.ok(!html.includes('<img'));
    const csp = webviewCsp({ cspSource: 'https://x', nonce: 'n1' });
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-n1'/);
    assert.match(csp, /worker-src blob:/);
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
  });
});
