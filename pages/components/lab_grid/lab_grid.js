// The prompt lab's X/Y grid: a table with a caption, column and row headers, and one button per picture. A click,
// Enter or Space opens the picture (trigger "open"), or, while picking, toggles it in a pick of at most two
// (trigger "pick"); a third pick drops the oldest.
//
// Streamlit calls this function again with new `data` without running the previous cleanup, so everything lives
// on the root element: the table is rebuilt only when its shape or its headers change, and the buttons are kept by
// tile id, so a rerun keeps the keyboard focus and the loaded pictures.
const TOGGLE_MS = 10_000; // how long a pick waits for Python to confirm it before Python's value wins again

export default function ({ data, parentElement, setTriggerValue }) {
  const root = parentElement.querySelector('.atelier-lab');
  const s = (root.__lab ||= { root, buttons: new Map(), signature: '', picked: [], toggles: [], seq: 0 });
  s.trigger = setTriggerValue;
  s.max = Number(data.max_picks) || 2;
  adoptPicks(s, data);
  render(s, data);
  return () => {};
}

// ---- picks: Python owns them; toggles it has not seen yet are played on top, so quick clicks never flicker ----

function adoptPicks(s, data) {
  s.picking = Boolean(data.picking);
  const seen = Number(data.pick_seen) || 0;
  const recent = Date.now() - TOGGLE_MS;
  s.toggles = s.picking ? s.toggles.filter((t) => t.seq > seen && t.at > recent) : [];
  s.picked = (data.picked || []).map(String);
  for (const toggle of s.toggles) flip(s, toggle.id);
}

function flip(s, id) {
  const at = s.picked.indexOf(id);
  if (at >= 0) s.picked.splice(at, 1);
  else s.picked.push(id);
  while (s.picked.length > s.max) s.picked.shift();
}

function togglePick(s, id) {
  s.seq = Math.max(Date.now(), s.seq + 1); // increasing across remounts too
  s.toggles.push({ id, seq: s.seq, at: Date.now() });
  flip(s, id);
  for (const button of s.buttons.values()) paintPick(s, button);
  s.trigger('pick', { ids: [...s.picked], seq: s.seq });
}

// ---- the table ---------------------------------------------------------------------------------

function render(s, data) {
  const table = s.root.querySelector('table');
  const caption = table.querySelector('caption');
  setText(caption, data.caption || '');
  const scroller = s.root.querySelector('.scroller');
  setAttribute(scroller, 'aria-label', data.caption || 'Grid');
  const columns = (data.columns || []).map(String);
  const rows = (data.rows || []).map(String);
  const tiles = data.tiles || [];
  const signature = JSON.stringify([columns, rows, data.corner || '', tiles.map((r) => r.map((t) => t && t.id))]);
  if (signature !== s.signature) {
    s.signature = signature;
    rebuild(s, table, columns, rows, tiles, data.corner || '');
  }
  for (const row of tiles) for (const tile of row) if (tile) updateTile(s, s.buttons.get(tile.id), tile);
}

function rebuild(s, table, columns, rows, tiles, corner) {
  const active = s.root.getRootNode().activeElement;
  const focusedId = active && active.classList?.contains('tile') ? active.dataset.id : null;
  const head = element('tr');
  const cornerCell = element(corner ? 'th' : 'td', 'corner');
  if (corner) {
    cornerCell.scope = 'col';
    cornerCell.textContent = corner;
  }
  head.append(cornerCell);
  for (const name of columns) {
    const th = element('th', 'column');
    th.scope = 'col';
    if (name) th.textContent = name;
    else th.append(hiddenText('Pictures')); // a lone, unnamed column still has a header a screen reader can say
    head.append(th);
  }
  const used = new Set();
  const body = rows.map((name, r) => {
    const tr = element('tr');
    const th = element('th', 'row');
    th.scope = 'row';
    th.textContent = name;
    tr.append(th);
    columns.forEach((_, c) => {
      const td = element('td');
      const tile = (tiles[r] || [])[c];
      if (tile) {
        const button = s.buttons.get(tile.id) || makeTile(s);
        button.dataset.id = tile.id;
        s.buttons.set(tile.id, button);
        used.add(tile.id);
        td.append(button);
      } else {
        td.className = 'empty';
      }
      tr.append(td);
    });
    return tr;
  });
  for (const id of [...s.buttons.keys()]) if (!used.has(id)) s.buttons.delete(id);
  table.querySelector('thead').replaceChildren(head);
  table.querySelector('tbody').replaceChildren(...body);
  if (focusedId && s.buttons.has(focusedId)) s.buttons.get(focusedId).focus({ preventScroll: true });
}

function makeTile(s) {
  const button = element('button', 'tile');
  button.type = 'button';
  const frame = element('span', 'frame');
  const img = element('img');
  img.loading = 'lazy';
  img.decoding = 'async';
  img.draggable = false;
  const state = element('span', 'state');
  const badge = element('span', 'badge');
  const winner = element('span', 'winner');
  winner.textContent = 'Winner';
  const pick = element('span', 'pick');
  for (const part of [badge, winner, pick]) part.setAttribute('aria-hidden', 'true'); // said in the button's name
  frame.append(img, state, badge, winner, pick);
  button.append(frame);
  button.__parts = { img, state, badge, winner, pick };
  button.addEventListener('click', () => {
    if (button.disabled) return;
    if (s.picking) togglePick(s, button.dataset.id);
    else s.trigger('open', button.dataset.id);
  });
  return button;
}

function updateTile(s, button, tile) {
  const { img, state, badge, winner } = button.__parts;
  const ready = Boolean(tile.src);
  if (ready) {
    setAttribute(img, 'src', tile.src);
    setAttribute(img, 'alt', tile.alt);
  } else {
    img.removeAttribute('src'); // src="" would ask for the page itself
  }
  img.hidden = !ready;
  state.hidden = ready;
  setText(state, ready ? '' : tile.label || 'Not ready');
  badge.hidden = !tile.badge;
  setText(badge, tile.badge || '');
  winner.hidden = !tile.winner;
  button.classList.toggle('won', Boolean(tile.winner));
  button.classList.toggle('waiting', !ready);
  const parts = [tile.alt];
  if (!ready) parts.push(tile.label || 'Not ready');
  if (tile.badge) parts.push(tile.badge);
  if (tile.winner) parts.push('Winner of its row');
  setAttribute(button, 'aria-label', parts.join(', '));
  button.__ready = ready;
  paintPick(s, button);
}

function paintPick(s, button) {
  const { pick } = button.__parts;
  const order = s.picking ? s.picked.indexOf(button.dataset.id) : -1;
  if (s.picking) setAttribute(button, 'aria-pressed', String(order >= 0));
  else button.removeAttribute('aria-pressed');
  // Only a finished picture can be compared.
  button.disabled = s.picking && !button.__ready;
  button.classList.toggle('picked', order >= 0);
  pick.hidden = order < 0;
  setText(pick, order >= 0 ? `Pick ${order + 1}` : '');
}

// ---- helpers -----------------------------------------------------------------------------------

function element(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function hiddenText(text) {
  const span = element('span', 'sr-only');
  span.textContent = text;
  return span;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function setAttribute(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}
