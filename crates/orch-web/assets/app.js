// The board page: plain DOM, no framework, no build step. Every text from the server goes in as text, never HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';
const STATUSES = [
  ['pending', 'Pending'], ['in_progress', 'In progress'], ['blocked', 'Blocked'], ['completed', 'Completed'],
];
const STATUS_LABEL = Object.fromEntries(STATUSES);
// Cards drawn per column; the rest are a search away (the graph has its own cap, set by the server).
const CARD_LIMIT = 200;
// What a person can do from each status, as [button text, target status].
const ACTIONS = {
  pending: [['Start', 'in_progress'], ['Complete', 'completed'], ['Block', 'blocked']],
  in_progress: [['Complete', 'completed'], ['Block', 'blocked'], ['Reopen', 'pending']],
  blocked: [['Start', 'in_progress'], ['Reopen', 'pending']],
  completed: [['Reopen', 'pending']],
};

const state = {
  project: new URLSearchParams(location.search).get('project'),
  board: null, search: '', detailId: null, viewBox: null, preview: null, started: false,
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  return fill(node, attrs, children);
}

function svg(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.setAttribute('class', v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

// Replaces a node's children; arrays are flattened and null/false entries skipped, as in el().
function put(node, ...children) {
  node.replaceChildren();
  return fill(node, {}, children);
}

async function api(method, path, body) {
  const options = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  // The CSRF header: a page on another site cannot send it without a CORS preflight this server never grants.
  if (method !== 'GET') options.headers['X-Orch-Board'] = '1';
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (response.status === 401 && path !== '/api/session') {
    askToken();
    throw new Error('The access token is needed.');
  }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  return data;
}

function notice(message) {
  const n = $('notice');
  n.textContent = message || '';
  n.hidden = !message;
}

// ---- session -------------------------------------------------------------------------------------------------

function askToken() {
  const dialog = $('login');
  if (!dialog.open) dialog.showModal();
  $('login-token').focus();
}

async function submitToken(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  try {
    await api('POST', '/api/session', { token: $('login-token').value });
    $('login-token').value = '';
    $('login').close();
    start();
  } catch (e) {
    $('login-error').textContent = e.message;
  }
}

// ---- loading -------------------------------------------------------------------------------------------------

let loading = null;
let reloadAgain = false;

function loadBoard() {
  if (loading) { reloadAgain = true; return loading; }
  loading = (async () => {
    do {
      reloadAgain = false;
      const q = new URLSearchParams();
      if (state.project) q.set('project', state.project);
      if (state.search.trim()) q.set('focus', state.search.trim());
      try {
        state.board = await api('GET', `/api/board?${q}`);
        state.project = state.board.project;
        notice('');
        render();
        if (state.detailId !== null) await loadDetail(state.detailId, false);
      } catch (e) {
        notice(`Cannot load the board: ${e.message}`);
      }
    } while (reloadAgain);
  })().finally(() => { loading = null; });
  return loading;
}

let reloadTimer = null;
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadBoard, 60);
}

function connectEvents() {
  let opened = false;
  const source = new EventSource('/api/events');
  source.addEventListener('hello', () => {
    setLive(true);
    // Changes between the last load and the stream's start (or while it was down) were not announced: reload.
    if (opened || state.board) scheduleReload();
    opened = true;
  });
  source.addEventListener('change', scheduleReload);
  source.onerror = () => {
    setLive(false);
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (e.g. 401 after the server's token changed): check the session, then reconnect.
      setTimeout(async () => {
        try {
          const s = await api('GET', '/api/session');
          if (s.token_required && !s.authenticated) { askToken(); return; }
        } catch { /* the server is away; retry below */ }
        connectEvents();
      }, 2000);
    }
  };
}

function setLive(on) {
  const live = $('live');
  live.textContent = on ? 'live' : 'reconnecting…';
  live.classList.toggle('on', on);
}

// ---- rendering -----------------------------------------------------------------------------------------------

function matches(card, query) {
  const q = query.trim().replace(/^#/, '').toLowerCase();
  if (!q) return true;
  return String(card.id) === q || card.title.toLowerCase().includes(q)
    || card.tags.some((t) => t.toLowerCase().includes(q))
    || (card.assignee || '').toLowerCase().includes(q);
}

function render() {
  renderProjects();
  renderColumns();
  renderGraph();
}

function renderProjects() {
  const select = $('project');
  const projects = state.board.projects.length ? state.board.projects : [{ id: state.board.project, tasks: 0 }];
  if (!projects.some((p) => p.id === state.board.project)) projects.push({ id: state.board.project, tasks: 0 });
  put(select, ...projects.map((p) =>
    el('option', { value: p.id, selected: p.id === state.board.project }, `${p.id} (${p.tasks})`)));
}

function card(c) {
  const deps = c.dependencies.length
    ? el('span', { title: 'Prerequisites (not completed)' }, `needs ${c.dependencies.length}`
      + (c.unfinished_dependencies ? ` (${c.unfinished_dependencies} open)` : ''))
    : null;
  return el('article', {
    class: `card${state.detailId === c.id ? ' selected' : ''}`, 'data-task-id': c.id, 'data-status': c.status,
  },
  el('button', { type: 'button', class: 'open', onclick: () => openDetail(c.id) }, `#${c.id} ${c.title}`),
  el('div', { class: 'meta' },
    el('span', { class: `prio prio-${c.priority}`, title: 'Priority (0 lowest, 4 highest)' }, `P${c.priority}`),
    c.ready ? el('span', { class: 'ready', title: 'Pending, unclaimed, every prerequisite completed' }, 'Ready') : null,
    c.assignee ? el('span', { title: 'Claimed by' }, `@${c.assignee}`) : null,
    deps,
    c.dependents ? el('span', { title: 'Tasks waiting on this one' }, `unblocks ${c.dependents}`) : null,
    c.tags.map((t) => el('span', { class: 'tag' }, t))));
}

function renderColumns() {
  const cards = state.board.cards.filter((c) => matches(c, state.search));
  const columns = STATUSES.map(([status, label]) => {
    const here = cards.filter((c) => c.status === status);
    const shown = here.slice(0, CARD_LIMIT);
    return el('section', { class: 'column', 'aria-label': `${label} tasks`, 'data-status': status },
      el('h2', {}, el('span', {}, el('span', { class: 'dot' }), label), el('span', { class: 'muted' }, here.length)),
      shown.map(card),
      here.length > shown.length
        ? el('p', { class: 'more' }, `${here.length - shown.length} more; search to narrow.`) : null,
      here.length === 0 ? el('p', { class: 'more' }, 'None') : null);
  });
  put($('columns'), ...columns);
}

function renderGraph() {
  const g = state.board.graph;
  const { layout } = g;
  const W = layout.node_width;
  const H = layout.node_height;
  const root = $('graph');
  const byId = new Map(state.board.cards.map((c) => [c.id, c]));
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const criticalEdges = new Set(g.critical_edges.map(([t, p]) => `${t}-${p}`));
  const criticalNodes = new Set(g.critical_path);
  const defs = svg('defs', {}, svg('marker', {
    id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse',
    orient: 'auto-start-reverse',
  }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' })));
  const edges = g.edges.map(([task, prereq]) => {
    const a = at.get(prereq);
    const b = at.get(task);
    const x1 = a.x + W; const y1 = a.y + H / 2; const x2 = b.x; const y2 = b.y + H / 2;
    const bend = Math.max(30, (x2 - x1) / 2);
    return svg('path', {
      class: `edge${criticalEdges.has(`${task}-${prereq}`) ? ' critical' : ''}`,
      d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
      'data-from': prereq, 'data-to': task, 'marker-end': 'url(#arrow)',
    });
  });
  const nodes = layout.nodes.map((n) => {
    const c = byId.get(n.id);
    const title = c.title.length > 26 ? `${c.title.slice(0, 25)}…` : c.title;
    const open = () => openDetail(n.id);
    return svg('g', {
      class: `node${criticalNodes.has(n.id) ? ' critical' : ''}${matches(c, state.search) ? '' : ' dim'}`,
      'data-task-id': n.id, 'data-status': c.status, transform: `translate(${n.x},${n.y})`, tabindex: 0,
      role: 'button', 'aria-label': `Task ${n.id}: ${c.title} (${STATUS_LABEL[c.status]})`,
      onclick: open,
      onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } },
    },
    svg('title', {}, `#${n.id} ${c.title}`),
    svg('rect', { width: W, height: H, rx: 6 }),
    svg('text', { x: 10, y: 18 }, title),
    svg('text', { x: 10, y: 34, class: 'sub' }, `#${n.id} · ${STATUS_LABEL[c.status]} · P${c.priority}`));
  });
  const content = svg('g', { id: 'graph-content' }, edges, nodes);
  put(root, defs, content);
  $('graph-note').textContent = g.note || (layout.nodes.length ? '' : 'No tasks in this project yet.');
  $('critical-hours').textContent = g.critical_path.length ? `(${g.critical_path.length} tasks, ${g.critical_hours} h)` : '';
  if (!state.viewBox) fitGraph();
  applyViewBox();
}

function fitGraph() {
  const { layout } = state.board.graph;
  const w = Math.max(layout.width, 400);
  const h = Math.max(layout.height, 300);
  state.viewBox = { x: 0, y: 0, w, h };
}

function applyViewBox() {
  const v = state.viewBox;
  $('graph').setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
}

function zoom(factor, cx, cy) {
  const v = state.viewBox;
  const px = cx === undefined ? v.x + v.w / 2 : cx;
  const py = cy === undefined ? v.y + v.h / 2 : cy;
  const w = Math.min(Math.max(v.w * factor, 100), 50000);
  const k = w / v.w;
  state.viewBox = { x: px - (px - v.x) * k, y: py - (py - v.y) * k, w, h: v.h * k };
  applyViewBox();
}

function graphPoint(event) {
  const r = $('graph').getBoundingClientRect();
  const v = state.viewBox;
  // preserveAspectRatio "xMidYMid meet": one scale, the drawing centred.
  const scale = Math.max(v.w / r.width, v.h / r.height);
  return {
    x: v.x + (event.clientX - r.left - (r.width - v.w / scale) / 2) * scale,
    y: v.y + (event.clientY - r.top - (r.height - v.h / scale) / 2) * scale,
    scale,
  };
}

function bindGraph() {
  const root = $('graph');
  root.addEventListener('wheel', (e) => {
    e.preventDefault();
    const p = graphPoint(e);
    zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, { passive: false });
  let drag = null;
  root.addEventListener('pointerdown', (e) => {
    if (e.target.closest('.node')) return;
    drag = { x: e.clientX, y: e.clientY, box: { ...state.viewBox }, scale: graphPoint(e).scale };
    root.setPointerCapture(e.pointerId);
    root.classList.add('dragging');
  });
  root.addEventListener('pointermove', (e) => {
    if (!drag) return;
    state.viewBox = {
      ...drag.box, x: drag.box.x - (e.clientX - drag.x) * drag.scale, y: drag.box.y - (e.clientY - drag.y) * drag.scale,
    };
    applyViewBox();
  });
  const end = () => { drag = null; root.classList.remove('dragging'); };
  root.addEventListener('pointerup', end);
  root.addEventListener('pointercancel', end);
  root.addEventListener('keydown', (e) => {
    if (e.target !== root) return;
    const v = state.viewBox;
    const step = v.w / 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      e.preventDefault();
      state.viewBox = { ...v, x: v.x + moves[e.key][0], y: v.y + moves[e.key][1] };
      applyViewBox();
    } else if (e.key === '+' || e.key === '=') zoom(1 / 1.25);
    else if (e.key === '-') zoom(1.25);
    else if (e.key === '0') { fitGraph(); applyViewBox(); }
  });
  $('zoom-in').addEventListener('click', () => zoom(1 / 1.25));
  $('zoom-out').addEventListener('click', () => zoom(1.25));
  $('zoom-reset').addEventListener('click', () => { fitGraph(); applyViewBox(); });
}

// ---- task detail ---------------------------------------------------------------------------------------------

async function openDetail(id) {
  state.detailId = id;
  await loadDetail(id, true);
  document.querySelectorAll('.card.selected').forEach((c) => c.classList.remove('selected'));
  document.querySelectorAll(`.card[data-task-id="${id}"]`).forEach((c) => c.classList.add('selected'));
}

function closeDetail() {
  const id = state.detailId;
  state.detailId = null;
  $('detail').hidden = true;
  document.querySelectorAll('.card.selected').forEach((c) => c.classList.remove('selected'));
  const back = document.querySelector(`.card[data-task-id="${id}"] .open`);
  if (back) back.focus();
}

async function loadDetail(id, focus) {
  try {
    const d = await api('GET', `/api/tasks/${id}`);
    if (state.detailId !== id) return;
    // A live refresh must not throw away what the person is typing: keep edited fields and the focus.
    const panel = $('detail');
    const sameTask = panel.querySelector(`#detail-title[data-task-id="${id}"]`) !== null;
    const edited = sameTask
      ? [...panel.querySelectorAll('input[id], select[id]')]
        .filter((f) => f.value !== (f.tagName === 'SELECT' ? f.dataset.initial : f.defaultValue))
        .map((f) => [f.id, f.value])
      : [];
    const focused = sameTask && panel.contains(document.activeElement) ? document.activeElement.id : null;
    renderDetail(d);
    for (const [fieldId, value] of edited) {
      const f = $(fieldId);
      if (f) f.value = value;
    }
    if (focused && $(focused)) $(focused).focus();
    $('detail').hidden = false;
    if (focus) $('detail').focus();
  } catch (e) {
    if (state.detailId === id) {
      // The task was deleted, or the board is unreachable: say so where the person is looking.
      $('detail').hidden = false;
      put($('detail'), closeButton(), el('p', { class: 'error', role: 'alert' }, e.message));
    }
  }
}

function closeButton() {
  return el('button', { type: 'button', class: 'close', 'aria-label': 'Close task detail', onclick: closeDetail }, '×');
}

async function act(action) {
  const error = $('detail-error');
  if (error) error.textContent = '';
  try {
    await action();
    await loadBoard();
  } catch (e) {
    const err = $('detail-error');
    if (err) err.textContent = e.message;
  }
}

function taskLink(t, extra) {
  return el('li', { 'data-task-id': t.id },
    el('span', { class: `status-pill ${t.status}` }, STATUS_LABEL[t.status]),
    el('button', { type: 'button', class: 'linklike', onclick: () => openDetail(t.id) }, `#${t.id} ${t.title}`),
    extra || null);
}

function section(title, ...content) {
  return [el('h3', {}, title), ...content];
}

function renderDetail(d) {
  const t = d.task;
  const status = STATUSES.map(([s]) => s).includes(t.status) ? t.status : 'pending';
  const actions = ACTIONS[status].map(([label, target]) => el('button', {
    type: 'button', class: label === 'Complete' || label === 'Start' ? 'primary' : null,
    onclick: () => act(() => api('POST', `/api/tasks/${t.id}/status`, { status: target })),
  }, label));
  const priority = el('select', { id: 'edit-priority', 'aria-label': 'Priority', 'data-initial': t.priority },
    [0, 1, 2, 3, 4].map((p) => el('option', { value: p, selected: p === t.priority }, `P${p}`)));
  const title = el('input', { id: 'edit-title', value: t.title, 'aria-label': 'Title', maxlength: 500 });
  const tags = el('input', { id: 'edit-tags', value: t.tags.join(', '), 'aria-label': 'Tags (comma-separated)' });
  const save = () => act(() => api('PATCH', `/api/tasks/${t.id}`, {
    title: title.value,
    priority: Number(priority.value),
    tags: tags.value.split(',').map((s) => s.trim()).filter(Boolean),
  }));
  const addDep = el('input', {
    id: 'add-dependency', inputmode: 'numeric', 'aria-label': 'Add dependency (task id)', placeholder: 'task id', size: 8,
  });
  const claimInput = el('input', { id: 'claim-assignee', 'aria-label': 'Assignee', placeholder: 'your name', size: 14 });
  const claim = t.assignee
    ? el('div', { class: 'row' }, el('span', {}, `Claimed by ${t.assignee}`),
      el('button', { type: 'button', onclick: () => act(() => api('POST', `/api/tasks/${t.id}/release`)) }, 'Release'))
    : el('div', { class: 'row' }, claimInput, el('button', {
      type: 'button', onclick: () => act(() => api('POST', `/api/tasks/${t.id}/claim`, { assignee: claimInput.value })),
    }, 'Claim'));
  const executions = d.executions.slice(-5).reverse().map((x) => el('li', { class: 'exec' },
    el('div', {},
      el('strong', {}, x.language), ` · exit ${x.exit_code === null ? 'none' : x.exit_code}`,
      ` · ${x.isolation} · ${Number(x.execution_time).toFixed(2)} s${x.timed_out ? ' · timed out' : ''}`,
      el('pre', { class: 'out', 'aria-label': 'Output' }, x.output || '(no output)'),
      x.error ? el('pre', { class: 'out error', 'aria-label': 'Error output' }, x.error) : null)));
  const complexity = d.complexity
    ? el('div', {},
      el('p', {}, `Score ${d.complexity.result.score ?? d.complexity.result.complexity_score ?? '?'}`
        + ` · analysed ${new Date(d.complexity.created_at).toLocaleString()}`),
      el('pre', { class: 'out' }, JSON.stringify(d.complexity.result, null, 2)))
    : el('p', { class: 'muted' }, 'Not analysed yet.');

  put($('detail'),
    closeButton(),
    el('h2', { id: 'detail-title', 'data-task-id': t.id }, `#${t.id} ${t.title}`),
    el('div', { class: 'meta' },
      el('span', { class: `status-pill ${t.status}`, id: 'detail-status' }, STATUS_LABEL[t.status]),
      el('span', {}, `P${t.priority}`), d.ready ? el('span', { class: 'ready' }, 'Ready') : null,
      el('span', {}, t.project_id), t.task_type ? el('span', {}, t.task_type) : null,
      t.estimated_hours ? el('span', {}, `${t.estimated_hours} h`) : null,
      t.tags.map((tag) => el('span', { class: 'tag' }, tag))),
    el('div', { class: 'row', role: 'group', 'aria-label': 'Change status' }, actions),
    el('p', { id: 'detail-error', class: 'error', role: 'alert' }),
    section('Edit', el('div', { class: 'row' },
      el('label', { class: 'field grow' }, 'Title', title),
      el('label', { class: 'field' }, 'Priority', priority)),
    el('div', { class: 'row' }, el('label', { class: 'field grow' }, 'Tags', tags),
      el('button', { type: 'button', onclick: save }, 'Save'))),
    section('Claim', claim),
    t.description ? section('Description', el('div', { class: 'text' }, t.description)) : null,
    t.details ? section('Details', el('div', { class: 'text' }, t.details)) : null,
    section(`Depends on (${d.dependencies.length})`, el('ul', { id: 'dependencies' }, d.dependencies.map((dep) =>
      taskLink(dep, el('button', {
        type: 'button', 'aria-label': `Remove dependency on task ${dep.id}`,
        onclick: () => act(() => api('POST', `/api/tasks/${t.id}/dependencies`, { remove: [dep.id] })),
      }, 'Remove')))),
    el('div', { class: 'row' }, addDep, el('button', {
      type: 'button',
      onclick: () => act(() => {
        const id = Number(addDep.value.trim().replace(/^#/, ''));
        if (!Number.isInteger(id) || id <= 0) throw new Error('Enter the id of the task this one depends on, e.g. 3.');
        return api('POST', `/api/tasks/${t.id}/dependencies`, { add: [id] });
      }),
    }, 'Add dependency'))),
    section(`Dependents (${d.dependents.length})`, el('ul', {}, d.dependents.map((x) => taskLink(x)))),
    d.subtasks.length ? section(`Subtasks (${d.subtasks.length})`, el('ul', {}, d.subtasks.map((x) => taskLink(x)))) : null,
    section(`Commits (${d.commits.length})`, d.commits.length
      ? el('ul', {}, d.commits.map((c) => el('li', {}, el('code', {}, c.commit_hash.slice(0, 10)),
        el('span', {}, (c.commit_message || '').split('\n')[0]), c.author ? el('span', { class: 'muted' }, c.author) : null)))
      : el('p', { class: 'muted' }, 'None linked.')),
    section(`Code executions (${d.executions.length})`, d.executions.length
      ? el('ul', {}, executions) : el('p', { class: 'muted' }, 'None yet.')),
    section('Complexity', complexity),
  );
}

// ---- PRD import ----------------------------------------------------------------------------------------------

function prdBody() {
  return { content: $('prd-text').value, project_id: $('prd-project').value.trim() || null };
}

async function previewPrd(event) {
  event.preventDefault();
  const out = $('prd-result');
  $('prd-import').disabled = true;
  try {
    const p = await api('POST', '/api/prd/preview', prdBody());
    state.preview = p;
    const rows = p.tasks.map((d) => el('tr', {},
      el('td', {}, d.title), el('td', {}, `P${d.priority}`), el('td', {}, d.depends_on.join(', ') || '—'),
      el('td', {}, d.tags.join(', ')), el('td', {}, d.exists ? 'updates existing' : 'new')));
    put(out,
      el('p', {}, `${p.tasks.length} tasks for project ${p.project_id}`
        + `${p.title ? ` from “${p.title}”` : ''} (confidence ${Math.round(p.confidence * 100)}%)`
        + `${p.skipped ? `, ${p.skipped} items below the confidence threshold` : ''}.`),
      p.warnings.length ? el('ul', {}, p.warnings.map((w) => el('li', { class: 'muted' }, w))) : null,
      p.tasks.length ? el('table', { 'aria-label': 'Tasks to create' },
        el('thead', {}, el('tr', {}, ['Title', 'Priority', 'Depends on', 'Tags', 'Import'].map((h) => el('th', {}, h)))),
        el('tbody', {}, rows)) : null);
    $('prd-import').disabled = p.tasks.length === 0;
  } catch (e) {
    put(out, el('p', { class: 'error', role: 'alert' }, e.message));
  }
}

async function importPrd() {
  const out = $('prd-result');
  try {
    const r = await api('POST', '/api/prd/import', prdBody());
    put(out, el('p', {}, `Created ${r.created.length}, updated ${r.updated.length}, unchanged `
      + `${r.unchanged.length} tasks in ${r.project_id}.`));
    $('prd-import').disabled = true;
    state.project = r.project_id;
    state.viewBox = null;
    location.hash = '#board';
    await loadBoard();
  } catch (e) {
    put(out, el('p', { class: 'error', role: 'alert' }, e.message));
  }
}

// ---- views and start-up --------------------------------------------------------------------------------------

function showView() {
  const view = ['board', 'graph', 'import'].includes(location.hash.slice(1)) ? location.hash.slice(1) : 'board';
  for (const v of ['board', 'graph', 'import']) {
    $(`view-${v}`).hidden = v !== view;
    $(`tab-${v}`).setAttribute('aria-selected', String(v === view));
  }
}

function bind() {
  $('login-form').addEventListener('submit', submitToken);
  window.addEventListener('hashchange', showView);
  let searchTimer = null;
  $('search').addEventListener('input', (e) => {
    state.search = e.target.value;
    if (state.board) { renderColumns(); renderGraph(); }
    clearTimeout(searchTimer);
    // The server narrows the drawn graph on large boards; the columns filter here at once.
    searchTimer = setTimeout(loadBoard, 300);
  });
  $('project').addEventListener('change', (e) => {
    state.project = e.target.value;
    state.viewBox = null;
    const url = new URL(location.href);
    url.searchParams.set('project', state.project);
    history.replaceState(null, '', url);
    if (state.detailId !== null) closeDetail();
    loadBoard();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.detailId !== null && !$('login').open) closeDetail();
    if (e.key === '/' && document.activeElement === document.body) { e.preventDefault(); $('search').focus(); }
  });
  $('prd-form').addEventListener('submit', previewPrd);
  $('prd-import').addEventListener('click', importPrd);
  $('prd-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) $('prd-text').value = await file.text();
  });
  bindGraph();
}

async function start() {
  if (state.started) return;
  state.started = true;
  await loadBoard();
  connectEvents();
}

async function boot() {
  bind();
  showView();
  try {
    const s = await api('GET', '/api/session');
    if (s.token_required && !s.authenticated) { askToken(); return; }
    await start();
  } catch (e) {
    notice(`Cannot reach the server: ${e.message}`);
  }
}

document.addEventListener('DOMContentLoaded', boot);
