import { PNG_SCALE } from '@digitfuse/plot';
import { escapeHtml } from './tables';

/** One section of the HTML report. */
export interface HtmlSection {
  readonly id: string;
  readonly title: string;
  /** Trusted HTML body (already escaped where needed). */
  readonly body: string;
}

/**
 * An `<img>` with the PNG embedded as a data URI, so the page is self-contained, shown at the size its
 * chart was drawn for (the PNG's width over `PNG_SCALE`), so every figure's text is the same size;
 * a figure wider than the page is shrunk to fit it.
 */
export function embeddedPng(png: Uint8Array, alt: string): string {
  const bytes = Buffer.from(png);
  // A PNG's width is the IHDR chunk's first field, bytes 16-19.
  const width = bytes.length >= 24 && bytes.toString('latin1', 12, 16) === 'IHDR' ? Math.round(bytes.readUInt32BE(16) / PNG_SCALE) : null;
  return `<figure><img alt="${escapeHtml(alt)}"${width ? ` width="${width}"` : ''} src="data:image/png;base64,${bytes.toString('base64')}"><figcaption>${escapeHtml(alt)}</figcaption></figure>`;
}

/** A note shown instead of a section's content when its input is absent. */
export function skippedNote(text: string): string {
  return `<p class="skipped">${escapeHtml(text)}</p>`;
}

const STYLE = `
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
nav { display: flex; flex-wrap: wrap; gap: .3em 1em; }
figure { margin: 1em 0; } figure img { max-width: calc(100% - 2px); height: auto; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 1em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
th { background: #f3f3f3; } tbody tr:nth-child(even) { background: #fafafa; }
.skipped { color: #777; font-style: italic; }
figure.scrolls { overflow-x: auto; } figure.scrolls img { max-width: none; }
.scrolls::before { content: 'Wider than the screen: scroll sideways for all of it →'; display: block; position: sticky; left: 0; font-size: .85em; color: #555; margin-bottom: .3em; }
footer { margin-top: 3em; font-size: .8em; color: #777; }
`;

/**
 * On a narrow screen (a phone): a figure that would shrink below 60% of the size it was drawn for
 * keeps that size and scrolls sideways instead (its text stays legible), and that figure, like a
 * table wider than the screen, says it scrolls. Without scripts the figures shrink to fit, as before.
 */
const FIT_SCRIPT = `
(function () {
  function fit() {
    document.querySelectorAll('figure').forEach(function (figure) {
      var img = figure.querySelector('img');
      var drawn = img ? Number(img.getAttribute('width')) || img.naturalWidth : 0;
      figure.classList.toggle('scrolls', drawn * 0.6 > figure.clientWidth);
    });
    document.querySelectorAll('.table-wrap').forEach(function (wrap) {
      var table = wrap.querySelector('table');
      wrap.classList.toggle('scrolls', table !== null && table.offsetWidth > wrap.clientWidth + 1);
    });
  }
  addEventListener('DOMContentLoaded', fit);
  addEventListener('resize', fit);
})();
`;

/** The whole self-contained report page. */
export function reportHtml(title: string, sections: readonly HtmlSection[], footer: string): string {
  const nav = sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('');
  const body = sections
    .map((s) => `<section id="${escapeHtml(s.id)}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.body}\n</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
<script>${FIT_SCRIPT}</script>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<nav>${nav}</nav>
${body}
<footer>${escapeHtml(footer)}</footer>
</body>
</html>
`;
}
