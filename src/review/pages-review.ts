import { html } from 'hono/html';
import type { PersonSummary, SuggestionView, UnknownView } from '../service/review.js';
import { faceImage, pager, personLabel, type Markup } from './layout.js';
import { peopleChoices, selectionBar, type Choice } from './pages-people.js';
import type { FaceProposal, HistoryItem } from '../service/review-editor.js';

/** Faces a group shows before "and N more"; the rest are a click away. */
const GROUP_PREVIEW = 12;

/** Unknown faces: the true count, grouped into likely people; name a group, assign or dismiss faces. */
export function unknownPage(
  view: UnknownView,
  people: readonly Choice[],
  pageIndex: number,
  groupsPerPage: number,
  expanded: ReadonlySet<number>,
): Markup {
  const start = pageIndex * groupsPerPage;
  const groups = view.groups.slice(start, start + groupsPerPage);
  const likely = view.groups.filter((g) => g.faces.length > 1).length;
  return html`<h1>Unknown faces</h1>
    <p class="summary">
      <strong class="unknown-total">${view.total}</strong> ${view.total === 1 ? 'face' : 'faces'} belong to nobody:
      ${likely} likely ${likely === 1 ? 'person' : 'people'} with two or more faces, the rest alone.
      ${
        view.grouped < view.total
          ? `The first ${view.grouped} (clearest first) are grouped; the others are listed one by one.`
          : ''
      }
    </p>
    ${selectionBar({ personId: null })} ${peopleChoices(people)}
    <ol class="groups" start="${start + 1}">
      ${groups.map((group, i) => {
        const index = start + i;
        const shown = expanded.has(index) ? group.faces : group.faces.slice(0, GROUP_PREVIEW);
        return html`<li class="group" data-group="${index}">
          <div class="group-head">
            <span>${group.faces.length} ${group.faces.length === 1 ? 'face' : 'faces'}</span>
            <button type="button" class="small" data-select-group>select group</button>
            <form class="name-group">
              <input placeholder="Name this group" aria-label="Name this group" autocomplete="off" />
              <button type="submit">Name</button>
            </form>
          </div>
          <ul class="grid faces">
            ${shown.map(
              (f) =>
                html`<li class="tile" data-face="${f.id}">
                  <input type="checkbox" class="pick" value="${f.id}" aria-label="select face ${f.id}" />
                  <a href="/faces/${f.id}">${faceImage(f.id, `face ${f.id}`)}</a>
                </li>`,
            )}
          </ul>
          ${
            shown.length < group.faces.length
              ? html`<a href="/unknown?page=${pageIndex + 1}&open=${index}"
                  >and ${group.faces.length - shown.length} more</a
                >`
              : ''
          }
          <ul hidden class="group-all">
            ${group.faces.map((f) => html`<li data-member="${f.id}"></li>`)}
          </ul>
        </li>`;
      })}
    </ol>
    ${pager('/unknown', pageIndex, groupsPerPage, view.groups.length)}`;
}

/** A person as one side of a suggestion: their cover, name and count, linking to their page. */
function side(p: PersonSummary): Markup {
  return html`<a class="side" href="/people/${p.id}">
    ${p.cover === null ? html`<span class="face none">no face</span>` : faceImage(p.cover, personLabel(p))}
    <span class="name">${personLabel(p)}</span><span class="count">${p.faces} faces</span>
  </a>`;
}

/** "and N face proposals": the way from merge suggestions to the proposals, when there are any. */
function proposalsLink(proposals: number): Markup {
  if (proposals === 0) return html``;
  return html`<p class="summary">
    <a href="/suggestions?faces=1" data-proposals>${proposals} face ${proposals === 1 ? 'proposal' : 'proposals'}</a>:
    faces Immich has on nobody that look like one of its people.
  </p>`;
}

/**
 * One merge suggestion at a time, side by side: y / n, ← →, or the buttons. `proposals`: how many face proposals
 * wait besides (against Immich in suggest mode).
 */
export function suggestionPage(all: readonly SuggestionView[], index: number, proposals = 0): Markup {
  if (all.length === 0)
    return html`<h1>Suggestions</h1>
      <p class="summary">Nothing to review: no open merge suggestions.</p>
      ${proposalsLink(proposals)}`;
  const at = Math.min(Math.max(0, index), all.length - 1);
  const { suggestion, a, b } = all[at];
  return html`<h1>Same person?</h1>
    <p class="summary">
      Suggestion ${suggestion.id} · ${at + 1} of ${all.length} · similarity ${Math.round(suggestion.score * 100)}%
    </p>
    <div class="suggestion" data-suggestion="${suggestion.id}" data-index="${at}" data-total="${all.length}">
      ${side(a)} ${side(b)}
    </div>
    ${answerBar('/suggestions?i=', at, all.length)} ${proposalsLink(proposals)}`;
}

/** The answer buttons and the links to the previous and next item (`base` + index). */
function answerBar(base: string, at: number, total: number, labels = ['Same person', 'Different']): Markup {
  return html`<div class="answer">
    ${at > 0 ? html`<a href="${base}${at - 1}" data-key="ArrowLeft">← previous</a>` : ''}
    <button type="button" data-answer="accept" data-key="y">${labels[0]} (y)</button>
    <button type="button" data-answer="reject" data-key="n">${labels[1]} (n)</button>
    ${at + 1 < total ? html`<a href="${base}${at + 1}" data-key="ArrowRight">next →</a>` : ''}
  </div>`;
}

/** A face proposal and the person it would go on, as the page shows it. */
export interface ProposalView {
  proposal: FaceProposal;
  person: PersonSummary;
}

/**
 * One face proposal at a time: a face Immich has on nobody (unassigned, or not found) beside the person our gallery
 * puts it on; y puts it on them (in Immich too), n remembers it is not them. `total`: every open proposal; `view`: the one at `index`.
 */
export function proposalPage(view: ProposalView | null, index: number, total: number): Markup {
  if (!view)
    return html`<h1>Face proposals</h1>
      <p class="summary">Nothing to review: no open face proposals. <a href="/suggestions">Merge suggestions</a></p>`;
  const { proposal, person } = view;
  return html`<h1>Is this ${personLabel(person)}?</h1>
    <p class="summary">
      Face proposal ${index + 1} of ${total}: a face on photo ${proposal.asset} that Immich has on nobody ·
      <a href="/faces/${proposal.observationId}">why</a> · <a href="/suggestions">merge suggestions</a>
    </p>
    <div class="suggestion" data-proposal="${proposal.observationId}" data-index="${index}" data-total="${total}">
      <a class="side" href="/faces/${proposal.observationId}">
        ${faceImage(proposal.observationId, `face ${proposal.observationId}`)}
        <span class="name">this face</span><span class="count">on nobody in Immich</span>
      </a>
      ${side(person)}
    </div>
    ${answerBar('/suggestions?faces=1&i=', index, total, ['It is them', 'Not them'])}`;
}

/** Every edit, the user's and the machine's, newest first, each undoable where it can be. */
export function historyPage(items: readonly HistoryItem[]): Markup {
  return html`<h1>History</h1>
    ${items.length === 0 ? html`<p class="summary">Nothing has changed yet.</p>` : ''}
    <table class="history">
      <thead>
        <tr>
          <th>when</th>
          <th>who</th>
          <th>what</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (h) =>
            html`<tr class="${h.undone ? 'undone' : ''}" data-edit="${h.id}">
              <td><time datetime="${new Date(h.at).toISOString()}">${new Date(h.at).toLocaleString('en-GB')}</time></td>
              <td>${h.actor === 'user' ? 'you' : 'the machine'}</td>
              <td>${h.summary}${h.undone ? ' (undone)' : ''}</td>
              <td>
                ${
                  h.undoable && !h.undone
                    ? html`<button type="button" class="small" data-undo="${h.id}">Undo</button>`
                    : ''
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
