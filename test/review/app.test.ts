import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { HAS_FIXTURES } from '../helpers/fixtures.js';
import { post, reviewApp, scannedStore } from './review-store.js';

describe.skipIf(!HAS_FIXTURES)('review app: pages and edits over a folder store', () => {
  let store: Store | null = null;
  afterEach(() => {
    store?.close();
    store = null;
  });
  const open = async () => {
    store = (await scannedStore()).store;
    return { store, app: reviewApp(store) };
  };

  it('serves every page with a strict content-security policy and nothing from elsewhere', async () => {
    const { store, app } = await open();
    const person = store.people.list()[0];
    const face = store.review.facesOf(person.id, 0, 1).faces[0];
    for (const path of ['/', `/people/${person.id}`, `/faces/${face.id}`, '/unknown', '/suggestions', '/history']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy'), path).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      );
      const body = await response.text();
      // every src and href stays on this server
      expect(body.match(/(?:src|href)="(?!\/)[^"]*"/g), path).toBeNull();
      expect(body, path).not.toMatch(/\sstyle="|<script>|\son[a-z]+="/);
    }
  });

  it('lists named people first, searches by name, and keeps hidden people on their own list', async () => {
    const { store, app } = await open();
    const [a, b] = store.people.list().slice(-2);
    store.people.rename(b.id, 'Zoë');
    store.people.rename(a.id, 'Ada');
    store.people.setHidden(store.people.list()[0].id, true);
    const grid = await (await app.request('/')).text();
    const order = [...grid.matchAll(/href="\/people\/([^"]+)"/g)].map((m) => m[1]);
    expect(order.slice(0, 2)).toEqual([a.id, b.id]);
    expect(order).not.toContain(store.people.list().find((p) => p.hidden)!.id);
    const found = await (await app.request('/?q=zo')).text();
    expect([...found.matchAll(/href="\/people\/([^"]+)"/g)].map((m) => m[1])).toEqual([b.id]);
    const hidden = await (await app.request('/?hidden=1')).text();
    expect([...hidden.matchAll(/href="\/people\/([^"]+)"/g)].map((m) => m[1])).toEqual([
      store.people.list().find((p) => p.hidden)!.id,
    ]);
  });

  it('shows the true number of unknown faces and groups every one of them', async () => {
    const { store, app } = await open();
    const unknown = store.observations.all({ vectors: false }).filter((o) => o.observation.face && !o.personId);
    const page = await (await app.request('/unknown')).text();
    expect(page).toContain(`<strong class="unknown-total">${unknown.length}</strong>`);
    const members = [...page.matchAll(/data-member="(\d+)"/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
    expect(members).toEqual(unknown.map((o) => o.id).sort((x, y) => x - y));
  });

  it('cuts face thumbnails and photos from the photos themselves', async () => {
    const { store, app } = await open();
    const face = store.review.facesOf(store.people.list()[0].id, 0, 1).faces[0];
    for (const path of [`/img/face/${face.id}.jpg`, `/img/photo/${face.assetId}.jpg`]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect([...new Uint8Array(await response.arrayBuffer()).slice(0, 2)]).toEqual([0xff, 0xd8]);
    }
    expect((await app.request('/img/face/999999.jpg')).status).toBe(404);
    expect((await app.request('/img/face/..%2f..%2fetc.jpg')).status).toBe(404);
  });

  it('names a person through the API, and refuses what is not a same-origin JSON edit', async () => {
    const { store, app } = await open();
    const person = store.people.list()[0];
    const named = await app.request(post(`/api/people/${person.id}/name`, { name: '  Grace  ' }));
    expect(named.status).toBe(200);
    expect(store.people.get(person.id)?.name).toBe('Grace');
    const form = await app.request(`/api/people/${person.id}/name`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Mallory',
    });
    expect(form.status).toBe(415);
    const crossSite = post(`/api/people/${person.id}/name`, { name: 'Mallory' });
    crossSite.headers.set('sec-fetch-site', 'cross-site');
    expect((await app.request(crossSite)).status).toBe(403);
    const bad = await app.request(post(`/api/people/${person.id}/name`, { name: 42 }));
    expect(bad.status).toBe(400);
    const unknownPerson = await app.request(post('/api/people/nobody/name', { name: 'X' }));
    expect(unknownPerson.status).toBe(409);
    expect(((await unknownPerson.json()) as { error: string }).error).toMatch(/nobody/);
    expect(store.people.get(person.id)?.name).toBe('Grace');
  });

  it('asks for the access token when one is set, then keeps it in a cookie', async () => {
    store = (await scannedStore()).store;
    const app = reviewApp(store, 'secret-token');
    expect((await app.request('/')).status).toBe(401);
    expect((await app.request('/?token=wrong')).status).toBe(401);
    const redirect = await app.request('/unknown?token=secret-token');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/unknown');
    const cookie = redirect.headers.get('set-cookie')!.split(';')[0];
    expect(redirect.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect((await app.request('/', { headers: { cookie } })).status).toBe(200);
  });
});
