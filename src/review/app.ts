import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { timingSafeEqual } from 'node:crypto';
import type { ReviewEditor } from '../service/review-editor.js';
import type { ReviewImages } from '../service/review-images.js';
import type { ReviewService } from '../service/review.js';
import { editRoutes } from './api.js';
import { page, type Markup, type NavCounts, type Section } from './layout.js';
import { facePage, peopleGrid, personPage } from './pages-people.js';
import { historyPage, proposalPage, suggestionPage, unknownPage } from './pages-review.js';
import { ICON, SCRIPT, STYLES } from './static.js';

export interface ReviewAppOptions {
  review: ReviewService;
  images: ReviewImages;
  editor: ReviewEditor;
  /** Required on every request when set (the server is bound beyond loopback): ?token= once, then a cookie. */
  token?: string;
}

/** Faces per page of a person: enough to review at a glance, few enough to render at once. */
export const FACES_PER_PAGE = 120;
/** Unknown groups per page. */
export const GROUPS_PER_PAGE = 40;
const COOKIE = 'immich_people_token';

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function pageIndex(c: Context): number {
  const p = Number.parseInt(c.req.query('page') ?? '1', 10);
  return Number.isFinite(p) && p > 1 ? p - 1 : 0;
}

/** The review web app: server-rendered pages, one script and one stylesheet of its own, nothing from elsewhere. */
export function createReviewApp(options: ReviewAppOptions): Hono {
  const { review, images, editor, token } = options;
  const app = new Hono();

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      // plain http on loopback: HSTS would only confuse a browser that later meets another service on this host
      strictTransportSecurity: false,
    }),
  );

  if (token) {
    app.use(async (c, next) => {
      const given = c.req.query('token');
      if (sameToken(given, token)) {
        setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return c.redirect(`${url.pathname}${url.search}`);
      }
      const bearer = c.req.header('authorization')?.replace(/^Bearer /, '');
      if (sameToken(getCookie(c, COOKIE), token) || sameToken(bearer, token)) return next();
      return c.text('This page needs its access token: open the address serve printed, with ?token=…', 401);
    });
  }

  const counts = (): NavCounts => {
    const shown = review.counts();
    return {
      ...shown,
      // face proposals wait on the suggestions page too
      suggestions: shown.suggestions + (editor.proposals?.({ offset: 0, limit: 0 }).total ?? 0),
      mode: editor.describe === 'this store' ? undefined : editor.describe,
    };
  };
  const render = (c: Context, title: string, section: Section, body: Markup) =>
    c.html(page(title, section, body, counts()));

  app.get('/static/app.js', (c) => c.body(SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/static/icon.svg', (c) => c.body(ICON, 200, { 'content-type': 'image/svg+xml' }));
  app.get('/static/app.css', (c) => c.body(STYLES, 200, { 'content-type': 'text/css; charset=utf-8' }));

  app.get('/', (c) => {
    const query = c.req.query('q') ?? '';
    const hidden = c.req.query('hidden') === '1';
    return render(c, 'People', 'people', peopleGrid(review.people({ query, hidden }), query, hidden));
  });

  app.get('/people/:id', (c) => {
    const index = pageIndex(c);
    const view = review.person(c.req.param('id'), index * FACES_PER_PAGE, FACES_PER_PAGE);
    if (!view) return c.notFound();
    const title = view.person.name ?? 'Unnamed person';
    return render(c, title, 'people', personPage(view, review.choices(), index, FACES_PER_PAGE));
  });

  app.get('/faces/:id', (c) => {
    const view = review.face(Number(c.req.param('id')));
    if (!view) return c.notFound();
    const people = new Map(review.people({ hidden: false }).map((p) => [p.id, p]));
    for (const p of review.people({ hidden: true })) people.set(p.id, p);
    return render(c, `Face ${view.face.id}`, null, facePage(view, people, review.choices()));
  });

  app.get('/unknown', (c) => {
    const open = new Set((c.req.queries('open') ?? []).map(Number).filter(Number.isInteger));
    const body = unknownPage(review.unknown(), review.choices(), pageIndex(c), GROUPS_PER_PAGE, open);
    return render(c, 'Unknown faces', 'unknown', body);
  });

  app.get('/suggestions', (c) => {
    const index = Math.max(0, Number.parseInt(c.req.query('i') ?? '0', 10) || 0);
    const proposals = editor.proposals?.({ offset: 0, limit: 0 }).total ?? 0;
    const merges = review.suggestions();
    // face proposals when asked for, or when no merge suggestion is left
    if (editor.proposals && (c.req.query('faces') === '1' || (merges.length === 0 && proposals > 0))) {
      const at = Math.min(index, proposals - 1);
      const [proposal] = editor.proposals({ offset: at, limit: 1 }).items;
      const person = proposal && review.person(proposal.personId, 0, 0)?.person;
      const view = proposal && person ? { proposal, person } : null;
      return render(c, 'Face proposals', 'suggestions', proposalPage(view, at, proposals));
    }
    return render(c, 'Suggestions', 'suggestions', suggestionPage(merges, index, proposals));
  });

  app.get('/history', (c) => render(c, 'History', 'history', historyPage(editor.history(500))));

  app.get('/img/face/:file{[0-9]+\\.jpg}', async (c) => {
    const jpeg = await images.face(Number.parseInt(c.req.param('file'), 10));
    if (!jpeg) return c.notFound();
    return c.body(new Uint8Array(jpeg), 200, { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=300' });
  });

  app.get('/img/photo/:file{[0-9]+\\.jpg}', async (c) => {
    const jpeg = await images.photo(Number.parseInt(c.req.param('file'), 10));
    if (!jpeg) return c.notFound();
    return c.body(new Uint8Array(jpeg), 200, { 'content-type': 'image/jpeg', 'cache-control': 'private, max-age=300' });
  });

  app.route('/api', editRoutes(editor));
  return app;
}
