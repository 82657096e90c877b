import { html } from 'hono/html';

/** What html`` gives: escaped markup, possibly async; nested templates and arrays of them are not escaped again. */
export type Markup = ReturnType<typeof html>;

export type Section = 'people' | 'unknown' | 'suggestions' | 'history' | null;

/** The page frame: one stylesheet, one script, both served from here (the CSP allows nothing else). */
export function page(title: string, section: Section, body: Markup, counts: NavCounts): Markup {
  const link = (href: string, label: string, name: Section, count?: number) =>
    html`<a href="${href}" ${section === name ? html`aria-current="page"` : ''}
      >${label}${count === undefined ? '' : html` <span class="count">${count}</span>`}</a
    >`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · immich-people</title>
        <link rel="icon" href="/static/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/app.js" defer></script>
      </head>
      <body>
        <nav class="top">
          <strong>immich-people</strong>
          ${link('/', 'People', 'people', counts.people)}
          ${link('/unknown', 'Unknown faces', 'unknown', counts.unknown)}
          ${link('/suggestions', 'Suggestions', 'suggestions', counts.suggestions)}
          ${link('/history', 'History', 'history')} ${counts.mode ? html`<span class="mode">${counts.mode}</span>` : ''}
        </nav>
        <main>${body}</main>
        <div id="toast" role="status" aria-live="polite" hidden></div>
      </body>
    </html>`;
}

export interface NavCounts {
  people: number;
  unknown: number;
  suggestions: number;
  /** Where edits go, when not only to this store: "Immich (manage)", … */
  mode?: string;
}

/** A face thumbnail, lazily loaded; `href` opens the face with its photo and evidence. */
export function faceImage(id: number, alt: string): Markup {
  return html`<img class="face" src="/img/face/${id}.jpg" alt="${alt}" loading="lazy" width="128" height="128" />`;
}

/** Paging links for `total` items, `size` per page, on `path`. */
export function pager(path: string, pageIndex: number, size: number, total: number): Markup {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages <= 1) return html``;
  const to = (p: number) => `${path}${path.includes('?') ? '&' : '?'}page=${p + 1}`;
  return html`<nav class="pager" aria-label="pages">
    ${pageIndex > 0 ? html`<a href="${to(pageIndex - 1)}" rel="prev">← previous</a>` : ''}
    <span>page ${pageIndex + 1} of ${pages}</span>
    ${pageIndex + 1 < pages ? html`<a href="${to(pageIndex + 1)}" rel="next">next →</a>` : ''}
  </nav>`;
}

export function personLabel(person: { id: string; name: string | null }): string {
  return person.name ?? `Unnamed ${person.id.slice(0, 8)}`;
}
