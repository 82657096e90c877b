import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FOLDER_SOURCE } from '../ports.js';
import { DEFAULT_LIBRARY } from '../store/libraries.js';
import type { StoredObservation } from '../store/observations.js';
import type { PersonRow } from '../store/people.js';
import type { Store } from '../store/store.js';
import { renderCrops, type CropAsset, type CropOptions, type CropRequest } from './crops.js';
import { escapeHtml as esc } from './html.js';

export interface PeopleReportOptions {
  /** The date printed in the header. */
  now?: Date;
  /** Crops shown per person. */
  cropsPerPerson?: number;
  /** Crops of unassigned clear faces shown under "Unknown faces". */
  unknownCrops?: number;
  crops?: CropOptions;
}

const CROP = 96;

/** A person's display name: the user's name, or "Unnamed person" with a short id. */
function label(person: { id: string; name: string | null } | undefined, id: string): { name: string; short: string } {
  const short = id.slice(0, 8);
  return { name: person?.name?.trim() ? person.name : 'Unnamed person', short };
}

function cropRequest(s: StoredObservation): CropRequest | null {
  const { face, upperBody } = s.observation;
  if (face) return { id: s.id, assetId: s.assetId, box: face.box, kind: 'face' };
  if (upperBody) return { id: s.id, assetId: s.assetId, box: upperBody.box, kind: 'body' };
  return null;
}

/** Best first: faces before bodies, clear faces before unclear ones, then by quality score, then by id. */
function byQuality(a: StoredObservation, b: StoredObservation): number {
  const rank = (s: StoredObservation) => (s.observation.face ? (s.observation.face.quality?.clear ? 0 : 1) : 2);
  return (
    rank(a) - rank(b) ||
    (b.observation.face?.quality?.score ?? 0) - (a.observation.face?.quality?.score ?? 0) ||
    a.id - b.id
  );
}

/** Up to `count` observations to show for a person: exemplars first, then the best of the rest. */
function pickShown(person: PersonRow, observations: readonly StoredObservation[], count: number): StoredObservation[] {
  const byId = new Map(observations.map((s) => [s.id, s]));
  const shown: StoredObservation[] = [];
  const taken = new Set<number>();
  for (const id of person.exemplars) {
    const s = byId.get(id);
    if (s && !taken.has(id) && shown.length < count) {
      shown.push(s);
      taken.add(id);
    }
  }
  for (const s of [...observations].sort(byQuality)) {
    if (shown.length >= count) break;
    if (!taken.has(s.id)) {
      shown.push(s);
      taken.add(s.id);
    }
  }
  // faces lead even when an exemplar is a body
  return shown.sort((a, b) => (a.observation.face ? 0 : 1) - (b.observation.face ? 0 : 1));
}

function cropHtml(uri: string | null | undefined, alt: string, file: string | undefined): string {
  const title = file ? ` title="${esc(file)}"` : '';
  if (!uri) return `<div class="crop missing" role="img" aria-label="photo unavailable"${title}>?</div>`;
  return `<img class="crop" src="${uri}" width="${CROP}" height="${CROP}" alt="${esc(alt)}"${title}>`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const STYLE = `
:root { color-scheme: light; --bg: #f6f6f4; --card: #fff; --ink: #1d1d1f; --muted: #6b6b70; --line: #e2e2e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header { padding: 20px 28px; background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 6px; font-size: 24px; }
.totals { display: flex; flex-wrap: wrap; gap: 8px 20px; margin: 0; color: var(--muted); }
.totals b { color: var(--ink); font-size: 18px; }
main { padding: 12px 28px 40px; }
h2 { font-size: 19px; margin: 26px 0 12px; }
.people { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; }
.person, .unknown-box, .suggestion { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.person h3 { margin: 0; font-size: 16px; overflow-wrap: anywhere; }
.id { color: var(--muted); font: 12px ui-monospace, monospace; margin-left: 6px; }
.counts { margin: 2px 0 10px; color: var(--muted); font-size: 13px; }
.crops { display: flex; flex-wrap: wrap; gap: 6px; }
.crop { width: ${CROP}px; height: ${CROP}px; border-radius: 6px; object-fit: cover; display: block; background: #ddd; }
.crop.missing { display: flex; align-items: center; justify-content: center; color: #888; font-size: 28px;
  background: repeating-linear-gradient(45deg, #e4e4e4, #e4e4e4 8px, #d8d8d8 8px, #d8d8d8 16px); }
.empty { color: var(--muted); }
.suggestions { display: flex; flex-direction: column; gap: 10px; }
.suggestion { display: flex; align-items: center; gap: 18px; flex-wrap: wrap; }
.side { display: flex; align-items: center; gap: 10px; min-width: 240px; flex: 1; }
.side .who { overflow-wrap: anywhere; }
.score { font: 600 15px ui-monospace, monospace; padding: 4px 10px; border-radius: 999px; background: #eef2ff; color: #3b4ba8; }
footer { padding: 0 28px 28px; color: var(--muted); font-size: 12px; }
`;

/**
 * Writes the people report: a single self-contained HTML page (inline CSS, thumbnails as data: URIs, no
 * scripts, no external URLs) with one card per person, the unknown faces, and the merge suggestions side by
 * side. Each photo is decoded at most once; a missing or unreadable photo shows placeholders.
 */
export async function writePeopleReport(
  store: Store,
  root: string,
  path: string,
  options: PeopleReportOptions = {},
): Promise<void> {
  const perPerson = options.cropsPerPerson ?? 8;
  const unknownShown = options.unknownCrops ?? 12;
  const now = options.now ?? new Date();

  const people = store.people.list();
  const personById = new Map(people.map((p) => [p.id, p]));
  const visible = people.filter((p) => !p.hidden && p.observations > 0);
  const hidden = people.filter((p) => p.hidden && p.observations > 0).length;
  // only the photos of the library at root: another library may hold the same relative path with another photo
  const library = store.libraries.find(FOLDER_SOURCE, resolve(root));
  const assets = store.assets.list(FOLDER_SOURCE, library?.id ?? DEFAULT_LIBRARY);
  const cropAssets = new Map<number, CropAsset>(assets.map((a) => [a.id, a]));
  const observations = store.observations.all({ vectors: false });
  const suggestions = store.suggestions.list();

  const ofPerson = new Map<string, StoredObservation[]>();
  const unknown: StoredObservation[] = [];
  for (const s of observations) {
    if (s.personId === null) {
      if (s.observation.face && !s.dismissed) unknown.push(s); // dismissed: the user said it is not a face
      continue;
    }
    const list = ofPerson.get(s.personId);
    if (list) list.push(s);
    else ofPerson.set(s.personId, [s]);
  }

  // what each person shows; people only in suggestions (hidden, say) get their best observation
  const shown = new Map<string, StoredObservation[]>();
  const show = (id: string, count: number) => {
    const person = personById.get(id);
    if (!shown.has(id)) shown.set(id, person ? pickShown(person, ofPerson.get(id) ?? [], count) : []);
    return shown.get(id)!;
  };
  visible.forEach((p) => show(p.id, perPerson));
  suggestions.forEach((s) => [s.personA, s.personB].forEach((id) => show(id, 1)));
  const clearUnknown = unknown.filter((s) => s.observation.face?.quality?.clear);
  const unknownPicked = [...clearUnknown].sort(byQuality).slice(0, unknownShown);

  const requests = [...[...shown.values()].flat(), ...unknownPicked]
    .map(cropRequest)
    .filter((r): r is CropRequest => r !== null);
  const crops = await renderCrops(resolve(root), cropAssets, requests, options.crops);
  const fileOf = (s: StoredObservation) => cropAssets.get(s.assetId)?.sourceId;
  const crop = (s: StoredObservation | undefined, alt: string) =>
    s ? cropHtml(crops.get(s.id), alt, fileOf(s)) : cropHtml(null, alt, undefined);

  const doneImages = assets.filter((a) => a.status === 'done').length;
  const failedImages = assets.filter((a) => a.status === 'failed').length;
  const faces = observations.filter((s) => s.observation.face).length;
  const date = now.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

  const cards = visible.map((p) => {
    const { name, short } = label(p, p.id);
    const list = ofPerson.get(p.id) ?? [];
    const photos = new Set(list.map((s) => s.assetId)).size;
    const images = shown
      .get(p.id)!
      .map((s) => crop(s, name))
      .join('');
    return (
      `<section class="person" data-person-id="${esc(p.id)}">` +
      `<h3><span class="name">${esc(name)}</span><span class="id">${esc(short)}</span></h3>` +
      `<p class="counts"><span data-count="observations">${esc(plural(p.observations, 'observation'))}</span> · ` +
      `<span data-count="photos">${esc(plural(photos, 'photo'))}</span></p>` +
      `<div class="crops">${images}</div></section>`
    );
  });

  const side = (id: string) => {
    const person = personById.get(id);
    const { name, short } = label(person, id);
    const detail = person ? plural(person.observations, 'observation') : 'no longer in the store';
    return (
      `<div class="side" data-person-id="${esc(id)}">${crop(shown.get(id)?.[0], name)}` +
      `<div class="who"><b>${esc(name)}</b><span class="id">${esc(short)}</span><br>` +
      `<span class="counts">${esc(detail)}</span></div></div>`
    );
  };
  const suggestionRows = suggestions.map(
    (s) =>
      `<div class="suggestion" data-person-a="${esc(s.personA)}" data-person-b="${esc(s.personB)}" data-score="${esc(s.score)}">` +
      `${side(s.personA)}<div class="score" title="merge score">${esc(s.score.toFixed(3))}</div>${side(s.personB)}</div>`,
  );

  const totals = [
    ['images', doneImages, 'image'],
    ['faces', faces, 'face'],
    ['people', visible.length, 'person', 'people'],
    ['suggestions', suggestions.length, 'merge suggestion'],
  ] as const;
  const totalsHtml = totals
    .map(([key, n, one, many]) => {
      const words = plural(n, one, many).replace(/^\d+ /, '');
      return `<span data-total="${key}"><b>${n}</b> ${esc(words)}</span>`;
    })
    .join('');
  const notes = [
    failedImages > 0 ? `${plural(failedImages, 'image')} could not be read` : '',
    hidden > 0 ? `${plural(hidden, 'hidden person', 'hidden people')} not shown` : '',
  ].filter(Boolean);

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>People · immich-people</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>People</h1>
<p class="totals">${totalsHtml}<span>generated <time datetime="${esc(now.toISOString())}">${esc(date)}</time></span></p>
${notes.length > 0 ? `<p class="counts">${esc(notes.join('; '))}</p>` : ''}
</header>
<main>
<h2 id="people">People (${visible.length})</h2>
${cards.length > 0 ? `<div class="people">\n${cards.join('\n')}\n</div>` : '<p class="empty">No people yet.</p>'}
<h2 id="unknown">Unknown faces</h2>
<section class="unknown unknown-box" data-count="${unknown.length}">
<p class="counts">${esc(plural(unknown.length, 'face'))} not assigned to anyone (${esc(clearUnknown.length)} clear)${
    unknownPicked.length > 0
      ? `; ${unknownPicked.length < clearUnknown.length ? `the ${unknownPicked.length} clearest` : 'the clear ones'}:`
      : '.'
  }</p>
<div class="crops">${unknownPicked.map((s) => crop(s, 'unknown face')).join('')}</div>
</section>
<h2 id="suggestions">Merge suggestions (${suggestions.length})</h2>
<section class="suggestions">
${suggestionRows.length > 0 ? suggestionRows.join('\n') : '<p class="empty">No merge suggestions.</p>'}
</section>
</main>
<footer>Made by immich-people on this machine; the page needs no network.</footer>
</body>
</html>
`;

  await mkdir(dirname(resolve(path)), { recursive: true });
  const partial = `${resolve(path)}.partial`;
  await writeFile(partial, html, 'utf8');
  await rename(partial, resolve(path));
}
