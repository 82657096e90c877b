import { html } from 'hono/html';
import type { Resemblance } from '../recognition/explain.js';
import type { FaceView, PersonSummary, PersonView, ReviewedFace } from '../service/review.js';
import { faceImage, pager, personLabel, type Markup } from './layout.js';

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** The people grid: cover, name, count; named people first; search by name; hidden people on their own list. */
export function peopleGrid(people: readonly PersonSummary[], query: string, hidden: boolean): Markup {
  return html`<h1>${hidden ? 'Hidden people' : 'People'}</h1>
    <form class="search" method="get" action="/" role="search">
      <input type="search" name="q" value="${query}" placeholder="Search by name" aria-label="Search by name" />
      ${hidden ? html`<input type="hidden" name="hidden" value="1" />` : ''}
      <button type="submit">Search</button>
      <a href="${hidden ? '/' : '/?hidden=1'}">${hidden ? 'Show people' : 'Show hidden people'}</a>
    </form>
    <p class="summary">${people.length} ${people.length === 1 ? 'person' : 'people'}</p>
    <ul class="grid people">
      ${people.map(
        (p) =>
          html`<li>
            <a href="/people/${p.id}" class="person-card">
              ${p.cover === null ? html`<span class="face none">no face</span>` : faceImage(p.cover, personLabel(p))}
              <span class="name ${p.name ? '' : 'unnamed'}">${personLabel(p)}</span>
              <span class="count">${p.faces} ${p.faces === 1 ? 'face' : 'faces'}</span>
            </a>
          </li>`,
      )}
    </ul>`;
}

/** The confidence badge of an assignment, with the evidence in its title. */
export function confidenceBadge(face: ReviewedFace): Markup {
  const e = face.explanation;
  if (!e) return html`<span class="conf conf-none" title="no face vector">?</span>`;
  const detail = e.own
    ? `similarity ${pct(e.own.combinedSimilarity)}${e.rival ? `, next person ${pct(e.rival.combinedSimilarity)}` : ''}`
    : 'no exemplar of this person to compare with';
  return html`<span class="conf conf-${e.confidence}" title="${detail}">${e.confidence}</span>`;
}

/** Datalist of every person by name, for "move to"; an id follows each name so two namesakes stay apart. */
export type Choice = { id: string; name: string | null };

export function peopleChoices(people: readonly Choice[]): Markup {
  return html`<datalist id="people-choices">
    ${people.map((p) => html`<option value="${personLabel(p)} · ${p.id}"></option>`)}
  </datalist>`;
}

/** The bar that acts on the selected faces of a page. */
export function selectionBar(options: { personId: string | null }): Markup {
  return html`<div class="selection-bar" data-person="${options.personId ?? ''}">
    <span class="selected-count">0 selected</span>
    <button type="button" data-select-all>Select all on page</button>
    ${
      options.personId
        ? html`<button type="button" data-faces-action="remove" title="Take the selected faces off, for good">
            Not this person
          </button>`
        : ''
    }
    <label
      >Move to
      <input list="people-choices" data-move-target placeholder="a person, or a new name" aria-label="Move to" />
    </label>
    <button type="button" data-faces-action="move">Move</button>
    <button type="button" data-faces-action="dismiss" title="Not a face: never shown or clustered again">
      Not a face
    </button>
  </div>`;
}

/** A face tile: thumbnail (opens the face), a checkbox to select it, and its confidence. */
function faceTile(face: ReviewedFace, options: { personId: string | null; cover: number | null }): Markup {
  const label = `face ${face.id}`;
  return html`<li class="tile" data-face="${face.id}">
    <input type="checkbox" class="pick" value="${face.id}" aria-label="select ${label}" />
    <a href="/faces/${face.id}">${faceImage(face.id, label)}</a>
    <div class="meta">
      ${face.assignedBy === 'user' ? html`<span class="conf conf-confirmed" title="you put it here">yours</span>` : ''}
      ${face.assignedBy !== 'user' && face.explanation ? confidenceBadge(face) : ''}
      ${
        options.personId
          ? options.cover === face.id
            ? html`<span class="cover-mark">cover</span>`
            : html`<button type="button" class="small" data-cover="${face.id}">cover</button>`
          : ''
      }
    </div>
  </li>`;
}

/** One person: rename, hide, their faces paged, each selectable to remove or move. */
export function personPage(view: PersonView, people: readonly Choice[], pageIndex: number, pageSize: number): Markup {
  const { person } = view;
  return html`<header class="person-head" data-person="${person.id}">
      ${person.cover === null ? '' : faceImage(person.cover, personLabel(person))}
      <div>
        <form class="rename" data-rename="${person.id}">
          <input
            name="name"
            value="${person.name ?? ''}"
            placeholder="Add a name"
            aria-label="Name"
            autocomplete="off"
          />
          <button type="submit">Save name</button>
        </form>
        <p>
          ${view.total} ${view.total === 1 ? 'face' : 'faces'} ·
          <button type="button" class="small" data-hide="${person.hidden ? '0' : '1'}">
            ${person.hidden ? 'Show this person' : 'Hide this person'}
          </button>
        </p>
      </div>
    </header>
    ${selectionBar({ personId: person.id })} ${peopleChoices(people.filter((p) => p.id !== person.id))}
    <ul class="grid faces">
      ${view.faces.map((f) => faceTile(f, { personId: person.id, cover: person.cover }))}
    </ul>
    ${pager(`/people/${person.id}`, pageIndex, pageSize, view.total)}`;
}

/**
 * Absorption's evidence in words. An unclear face on a person by the clustering can only have got there by
 * absorption (unclear faces seed and join no cluster); a clear one may have come by its cluster or by absorption, so
 * the line says whether the likeness alone would have placed it.
 */
function resemblanceLine(r: Resemblance, unclear: boolean, name: (id: string) => string): Markup {
  const n = r.own.nearest.length;
  const lead =
    r.rival && r.lead !== null
      ? html`, ${pct(r.lead)} ahead of ${name(r.rival.personId)} (${pct(r.rival.meanSimilarity)})`
      : '';
  const evidence = html`${n} of ${name(r.own.personId)}'s faces
  (${r.own.nearest.map((f, k) => html`${k > 0 ? ', ' : ''}<a href="/faces/${f.observationId}">${pct(f.faceSimilarity)}</a>`)};
  mean ${pct(r.own.meanSimilarity)}${lead})`;
  if (unclear) {
    return html`<p class="resemblance">
      Joined because it resembles ${evidence}: an unclear face joins no cluster, only a person it closely resembles.
    </p>`;
  }
  return r.meetsAbsorption
    ? html`<p class="resemblance">Closely resembles ${evidence}: enough on its own for a full run to place it here.</p>`
    : html`<p class="resemblance">
        Resembles ${evidence}: ${r.enoughFaces ? 'too little' : 'too few faces'} to place it on likeness alone; its
        cluster placed it here.
      </p>`;
}

/** One face: its photo with every face's box drawn (this one highlighted), and why it is where it is. */
export function facePage(
  view: FaceView,
  people: ReadonlyMap<string, PersonSummary>,
  choices: readonly Choice[],
): Markup {
  const { face, asset, explanation } = view;
  const width = asset.width ?? Math.ceil(face.box[2]);
  const height = asset.height ?? Math.ceil(face.box[3]);
  const rect = (box: readonly number[], cls: string, href: string | null) => {
    const shape = html`<rect
      class="${cls}"
      x="${box[0].toFixed(1)}"
      y="${box[1].toFixed(1)}"
      width="${(box[2] - box[0]).toFixed(1)}"
      height="${(box[3] - box[1]).toFixed(1)}"
    />`;
    return href ? html`<a href="${href}">${shape}</a>` : shape;
  };
  const name = (id: string) => personLabel(people.get(id) ?? { id, name: null });
  const q = face.quality;
  return html`<h1>Face ${face.id}</h1>
    <p>
      ${
        view.person
          ? html`On <a href="/people/${view.person.id}">${personLabel(view.person)}</a> (${
                face.assignedBy === 'user'
                  ? 'you put it there'
                  : face.assignedBy === 'assign'
                    ? 'assigned to a known person'
                    : 'clustered'
              }).`
          : html`Nobody yet: <a href="/unknown">unknown faces</a>.`
      }
    </p>
    <div class="face-view">
      <svg class="photo" viewBox="0 0 ${width} ${height}" role="img" aria-label="the photo with the face boxed">
        <image href="/img/photo/${asset.id}.jpg" x="0" y="0" width="${width}" height="${height}" />
        ${view.others.map((o) => rect(o.box, 'box other', `/faces/${o.id}`))} ${rect(face.box, 'box this', null)}
      </svg>
      <section class="why" aria-label="why">
        <h2>Why</h2>
        ${
          explanation
            ? html`<p>
                  ${
                    face.personId === null
                      ? explanation.rival
                        ? html`Nearest person: ${name(explanation.rival.personId)} at
                          ${pct(explanation.rival.combinedSimilarity)}, too weak or too close to another to assign.`
                        : 'No person to compare with yet.'
                      : html`Confidence:
                          <span class="conf conf-${explanation.confidence}">${explanation.confidence}</span>`
                  }
                  ${
                    explanation.own && explanation.rival
                      ? html` (margin ${pct(explanation.own.combinedSimilarity - explanation.rival.combinedSimilarity)}
                        over the next person)`
                      : ''
                  }
                </p>
                ${view.resemblance ? resemblanceLine(view.resemblance, face.quality?.clear === false, name) : ''}
                <table>
                  <thead>
                    <tr>
                      <th>nearest exemplar of</th>
                      <th>face</th>
                      <th>clothing, same moment</th>
                      <th>combined</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${explanation.nearest.map(
                      (e) =>
                        html`<tr class="${e.personId === face.personId ? 'own' : ''}">
                          <td>
                            <a href="/faces/${e.observationId}">${faceImage(e.observationId, 'exemplar')}</a>
                            <a href="/people/${e.personId}">${name(e.personId)}</a>
                          </td>
                          <td>${pct(e.faceSimilarity)}</td>
                          <td>
                            ${
                              e.clothingSimilarity === null
                                ? '—'
                                : `${pct(e.clothingSimilarity)}${e.clothingHelped ? ' (helped)' : ''}`
                            }
                          </td>
                          <td>${pct(e.combinedSimilarity)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
            : html`<p>This face has no vector of the current model; it cannot be compared.</p>`
        }
        <h2>Quality</h2>
        ${
          q
            ? html`<p>
                score ${pct(q.score)} · ${q.clear ? 'clear' : 'unclear (never seeds a person)'} · ${Math.round(q.size)}
                px · yaw ${Math.round(q.yaw)}° · sharpness ${Math.round(q.blur)}
              </p>`
            : html`<p>not measured</p>`
        }
        <p>${face.hasBody ? 'An upper body was seen with it.' : 'No upper body was seen with it.'}</p>
      </section>
    </div>
    <div class="actions" data-single-face="${face.id}">
      ${selectionBar({ personId: face.personId })} ${peopleChoices(choices)}
      <input type="checkbox" class="pick" value="${face.id}" checked hidden />
    </div>`;
}
