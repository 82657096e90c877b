/**
 * The page's one script and one stylesheet, served by the app itself (the CSP allows no inline code and nothing
 * from elsewhere). Plain browser JavaScript, no build step: it only turns clicks and keys into JSON POSTs to /api and
 * reloads the server-rendered page.
 */
export const SCRIPT = String.raw`'use strict';
(function () {
  var $ = function (s, root) { return (root || document).querySelector(s); };
  var $$ = function (s, root) { return Array.prototype.slice.call((root || document).querySelectorAll(s)); };

  function toast(message, undoId) {
    var box = $('#toast');
    if (!box) return;
    box.textContent = message + ' ';
    if (undoId) {
      var undo = document.createElement('button');
      undo.type = 'button';
      undo.textContent = 'Undo';
      undo.setAttribute('data-undo', String(undoId));
      box.appendChild(undo);
    }
    box.hidden = false;
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {}),
    });
    var json = await response.json().catch(function () { return { error: response.statusText }; });
    if (!response.ok) throw new Error(json.error || response.statusText);
    return json;
  }

  // an edit: POST, then reload (or go to 'then') and say what happened, with its undo, on the next page
  async function edit(url, body, message, then) {
    try {
      var result = await post(url, body);
      // what the edit did beyond the store (Immich), in the editor's words
      var said = result.note ? message + ' ' + result.note.charAt(0).toUpperCase() + result.note.slice(1) + '.' : message;
      sessionStorage.setItem('immich-people-toast', JSON.stringify({ message: said, undo: result.undo }));
      if (then) location.assign(typeof then === 'function' ? then(result) : then);
      else location.reload();
    } catch (error) {
      toast('Not done: ' + error.message);
    }
  }

  var pending = sessionStorage.getItem('immich-people-toast');
  if (pending) {
    sessionStorage.removeItem('immich-people-toast');
    var t = JSON.parse(pending);
    toast(t.message, t.undo);
  }

  function selected() {
    return $$('input.pick:checked').map(function (i) { return Number(i.value); });
  }
  function refreshCount() {
    var n = selected().filter(function (id, i, all) { return all.indexOf(id) === i; }).length;
    $$('.selected-count').forEach(function (s) { s.textContent = n + ' selected'; });
  }
  document.addEventListener('change', function (e) {
    if (e.target.matches && e.target.matches('input.pick')) refreshCount();
  });
  refreshCount();

  // "Name · id" from the datalist names an existing person; any other text is the name of a new one
  function target(input) {
    var text = (input.value || '').trim();
    if (!text) return null;
    var match = /·\s*([^·\s]+)\s*$/.exec(text);
    var option = match && $$('#people-choices option').some(function (o) { return o.value === text; });
    return option ? { to: match[1], name: null } : { to: null, name: text };
  }

  document.addEventListener('click', function (e) {
    var el = e.target.closest ? e.target.closest('button, a') : null;
    if (!el) return;
    var bar = el.closest('.selection-bar');
    var person = document.querySelector('[data-person]');
    var personId = person ? person.getAttribute('data-person') : '';
    if (el.hasAttribute('data-select-all')) {
      $$('input.pick').forEach(function (i) { i.checked = true; });
      refreshCount();
    } else if (el.hasAttribute('data-select-group')) {
      $$('input.pick', el.closest('.group')).forEach(function (i) { i.checked = true; });
      refreshCount();
    } else if (el.hasAttribute('data-faces-action')) {
      var faces = selected();
      if (faces.length === 0) return toast('Select faces first.');
      var action = el.getAttribute('data-faces-action');
      var n = faces.length + (faces.length === 1 ? ' face' : ' faces');
      if (action === 'remove') edit('/api/faces/remove', { faces: faces }, n + ' taken off.');
      else if (action === 'dismiss') edit('/api/faces/dismiss', { faces: faces }, n + ' marked as not a face.');
      else if (action === 'move') {
        var to = target($('[data-move-target]', bar));
        if (!to) return toast('Choose a person, or type a new name.');
        edit('/api/faces/move', { faces: faces, to: to.to, name: to.name }, n + ' moved.');
      }
    } else if (el.hasAttribute('data-cover')) {
      edit('/api/people/' + personId + '/cover', { face: Number(el.getAttribute('data-cover')) }, 'Cover chosen.');
    } else if (el.hasAttribute('data-hide')) {
      var hide = el.getAttribute('data-hide') === '1';
      edit('/api/people/' + personId + '/hide', { hidden: hide }, hide ? 'Hidden.' : 'Shown again.');
    } else if (el.hasAttribute('data-answer')) {
      answer(el.getAttribute('data-answer'));
    } else if (el.hasAttribute('data-undo')) {
      edit('/api/history/' + el.getAttribute('data-undo') + '/undo', {}, 'Undone.');
    }
  });

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.hasAttribute('data-rename')) {
      e.preventDefault();
      var name = form.querySelector('input').value;
      edit('/api/people/' + form.getAttribute('data-rename') + '/name', { name: name || null }, 'Name saved.');
    } else if (form.classList.contains('name-group')) {
      e.preventDefault();
      var group = form.closest('.group');
      var faces = $$('[data-member]', group).map(function (m) { return Number(m.getAttribute('data-member')); });
      var groupName = form.querySelector('input').value.trim();
      if (!groupName) return toast('Type a name first.');
      edit('/api/faces/move', { faces: faces, to: null, name: groupName }, groupName + ' added.', function (r) {
        return '/people/' + r.person;
      });
    }
  });

  // y / n on a merge suggestion, or on a face proposal (data-proposal: its observation)
  function answer(kind) {
    var s = $('.suggestion');
    if (!s) return;
    var index = Number(s.getAttribute('data-index'));
    var face = s.getAttribute('data-proposal');
    if (face) {
      edit('/api/proposals/' + face + '/' + kind, {}, kind === 'accept' ? 'Assigned.' : 'Not them.',
        '/suggestions?faces=1&i=' + index);
      return;
    }
    var id = s.getAttribute('data-suggestion');
    edit('/api/suggestions/' + id + '/' + kind, {}, kind === 'accept' ? 'Merged.' : 'Kept apart.', '/suggestions?i=' + index);
  }

  document.addEventListener('keydown', function (e) {
    if (!$('.suggestion') || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    if (e.key === 'y') answer('accept');
    else if (e.key === 'n') answer('reject');
    else {
      var link = $('[data-key="' + e.key + '"]');
      if (link && link.href) location.assign(link.href);
    }
  });
})();
`;

export const STYLES = `
:root { color-scheme: light dark; --accent: #4250af; --muted: #777; font-family: system-ui, sans-serif; }
body { margin: 0; }
nav.top { display: flex; gap: 1.2rem; align-items: center; padding: .7rem 1rem; border-bottom: 1px solid #8884; }
nav.top a { text-decoration: none; color: inherit; }
nav.top a[aria-current] { font-weight: 600; border-bottom: 2px solid var(--accent); }
nav.top .mode { margin-left: auto; color: var(--muted); }
main { padding: 1rem; }
.count { color: var(--muted); font-size: .9em; }
.summary { color: var(--muted); }
.grid { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(136px, 1fr)); gap: .8rem; }
/* off-screen cards are neither laid out nor painted until scrolled to: a grid of 1,000 people paints at once */
.grid > li { content-visibility: auto; contain-intrinsic-size: auto 136px auto 180px; }
img.face, .face.none { width: 128px; height: 128px; border-radius: 8px; object-fit: cover; background: #8883; display: block; }
.face.none { display: flex; align-items: center; justify-content: center; color: var(--muted); }
.person-card { display: flex; flex-direction: column; gap: .2rem; text-decoration: none; color: inherit; }
.person-card img.face { border-radius: 50%; }
.name.unnamed { color: var(--muted); font-style: italic; }
.tile { position: relative; }
.tile .pick { position: absolute; top: 6px; left: 6px; width: 1.1rem; height: 1.1rem; }
.tile .meta { display: flex; gap: .3rem; align-items: center; margin-top: .2rem; min-height: 1.4rem; }
.conf { font-size: .75rem; padding: 0 .35rem; border-radius: 4px; background: #8883; }
.conf-high, .conf-confirmed { background: #2a7a3b55; }
.conf-medium { background: #c9a22755; }
.conf-low { background: #b0303055; }
button.small { font-size: .75rem; }
.selection-bar { position: sticky; top: 0; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center;
  padding: .5rem; background: Canvas; border-bottom: 1px solid #8884; z-index: 1; }
.person-head { display: flex; gap: 1rem; align-items: center; }
.person-head img.face { border-radius: 50%; }
.groups { padding-left: 1.5rem; }
.group { margin-bottom: 1.5rem; }
.group-head { display: flex; gap: .8rem; align-items: center; }
.suggestion { display: flex; gap: 3rem; margin: 1rem 0; }
.suggestion .side { display: flex; flex-direction: column; gap: .3rem; text-decoration: none; color: inherit; }
.suggestion img.face, .suggestion .face.none { width: 220px; height: 220px; }
.answer { display: flex; gap: 1rem; align-items: center; }
.answer button { font-size: 1.1rem; padding: .4rem 1rem; }
.face-view { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
svg.photo { max-width: min(100%, 900px); max-height: 80vh; }
svg .box { fill: none; stroke-width: 3px; vector-effect: non-scaling-stroke; }
svg .box.this { stroke: #f5c400; }
svg .box.other { stroke: #ffffffaa; }
.why table { border-collapse: collapse; }
.why td, .why th { padding: .25rem .5rem; text-align: left; vertical-align: middle; }
.why tr.own { background: #2a7a3b22; }
.why img.face { width: 48px; height: 48px; display: inline-block; vertical-align: middle; }
table.history td { padding: .3rem .6rem; border-bottom: 1px solid #8882; }
tr.undone td { color: var(--muted); text-decoration: line-through; }
#toast { position: fixed; bottom: 1rem; left: 50%; transform: translateX(-50%); background: #222; color: #fff;
  padding: .6rem 1rem; border-radius: 6px; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; }
`;

/** The tab's icon (a browser asks for one; without it every page logs a 404). */
export const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="5" r="3" fill="#4250af"/>' +
  '<path d="M2 15c0-4 3-6 6-6s6 2 6 6z" fill="#4250af"/></svg>';
