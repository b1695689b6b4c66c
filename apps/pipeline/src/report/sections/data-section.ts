import { readFileSync } from 'node:fs';
import { embeddedPng } from '../html';
import { fromPart, type ReportSection } from './section';

/** Figures written elsewhere (the data figures), embedded as they are; one that cannot be read gets a note. */
export const dataSection: ReportSection = {
  id: 'data',
  title: 'Data figures',
  render: fromPart((input) => input.extraImages, 'No data figures were given.', (images, ctx) =>
    images
      .map((img) => {
        try {
          const html = embeddedPng(readFileSync(img.path), img.title);
          ctx.markdown(`![${img.title}](${ctx.linkTo(img.path)})`, '');
          return html;
        } catch (err) {
          return ctx.skip(`${img.title}: could not read ${img.path} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
        }
      })
      .join('\n'),
  ),
};
