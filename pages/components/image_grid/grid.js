// The image grid: justified rows that keep each picture's shape, quick actions on every tile,
// placeholder tiles for images still being made, and a document key listener for a viewer's arrows.
//
// Streamlit calls this function again with new `data` without running the previous cleanup, so the
// tiles are reconciled by id (focus and loaded images survive a rerun) and the key listener is kept
// in a window-wide registry, one per mounted grid.
const GAP = 6; // px between tiles; the same as `gap` in grid.css
const NARROW = 700; // below this width rows get lower, so a phone shows two or more tiles a row
const MAX_STRETCH = 1.5; // a row may grow to this many times the row height to stay full, no more
const ACTIONS = {
  open: { label: 'Open full size', icon: 'M21 11V3h-8l3.29 3.29-10 10L3 13v8h8l-3.29-3.29 10-10z' },
  download: { label: 'Download', icon: 'M5 20h14v-2H5v2zM19 9h-4V3H9v6H5l7 7 7-7z' },
  reuse: {
    label: 'Use settings again',
    icon: 'M17.65 6.35A7.96 7.96 0 0 0 12 4a8 8 0 1 0 7.73 10h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z',
  },
  edit: {
    label: 'Edit',
    icon: 'M3 17.25V21h3.75L17.81 9.94l-3.75-3.75L3 17.25zM20.71 7.04a1 1 0 0 0 0-1.41l-2.34-2.34a1 1 0 0 0-1.41 0l-1.83 1.83 3.75 3.75 1.83-1.83z',
  },
  delete: { label: 'Delete', icon: 'M6 19c0 1.1.9 2 2 2h8c1.1 0 2-.9 2-2V7H6v12zM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4z' },
};
const MORE_ICON = 'M6 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4z';
const KEYS = ['ArrowLeft', 'ArrowRight', 'Escape'];
// Widgets that use the arrow keys themselves.
const OWN_ARROWS =
  '[role=slider],[role=tab],[role=tablist],[role=listbox],[role=combobox],[role=menu],[role=menuitem],[role=radiogroup],[role=spinbutton],[role=textbox]';

export default function ({ data, key, parentElement, setTriggerValue }) {
  const grid = parentElement.querySelector('.grid');
  const state = (grid.__atelier ||= { tiles: new Map(), width: 0 });
  state.trigger = setTriggerValue;
  state.rowHeight = Number(data.row_height) || 220;
  state.sheet ||= {
    panel: parentElement.querySelector('.sheet'),
    backdrop: parentElement.querySelector('.sheet-backdrop'),
    opener: null,
  };
  if (!state.sheet.wired) {
    state.sheet.wired = true;
    state.sheet.backdrop.addEventListener('click', () => closeSheet(state));
    state.sheet.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        closeSheet(state);
      }
    });
  }
  render(grid, state, data.items || []);
  layout(grid, state);
  if (!state.observer) {
    state.observer = new ResizeObserver(() => {
      if (grid.clientWidth !== state.width) layout(grid, state);
    });
    state.observer.observe(grid);
  }
  const stopKeys = listenForKeys(key, Boolean(data.keys), state);
  return () => {
    stopKeys();
    state.observer?.disconnect();
    state.observer = null;
  };
}

function listenForKeys(key, enabled, state) {
  const registry = (window.__atelierImageGridKeys ||= {});
  if (registry[key]) document.removeEventListener('keydown', registry[key]);
  delete registry[key];
  if (!enabled) return () => {};
  const onKey = (event) => {
    if (!KEYS.includes(event.key) || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.composedPath()[0];
    if (
      target instanceof Element &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.closest(OWN_ARROWS))
    )
      return;
    state.trigger('key', event.key);
  };
  registry[key] = onKey;
  document.addEventListener('keydown', onKey);
  return () => {
    document.removeEventListener('keydown', onKey);
    if (registry[key] === onKey) delete registry[key];
  };
}

// ---- tiles -------------------------------------------------------------------------------------

function render(grid, state, items) {
  const seen = new Set();
  items.forEach((item, index) => {
    const placeholder = !item.src && Boolean(item.label);
    let tile = state.tiles.get(item.id);
    if (tile && tile.__placeholder !== placeholder) {
      tile.remove();
      tile = null;
    }
    if (!tile) {
      tile = placeholder ? makePlaceholder() : makeImageTile(state);
      tile.__placeholder = placeholder;
      state.tiles.set(item.id, tile);
    }
    tile.dataset.id = item.id;
    tile.__ratio = Math.max(item.width, 1) / Math.max(item.height, 1);
    (placeholder ? updatePlaceholder : updateImageTile)(tile, item);
    if (grid.children[index] !== tile) grid.insertBefore(tile, grid.children[index] || null);
    seen.add(item.id);
  });
  for (const [id, tile] of state.tiles) {
    if (!seen.has(id)) {
      tile.remove();
      state.tiles.delete(id);
    }
  }
}

function makeImageTile(state) {
  const tile = element('div', 'tile');
  tile.setAttribute('role', 'listitem');
  const open = element('button', 'open');
  open.type = 'button';
  const img = element('img');
  img.loading = 'lazy';
  img.decoding = 'async';
  img.draggable = false;
  open.append(img);
  open.addEventListener('click', () => state.trigger('open', tile.dataset.id));
  const bar = element('div', 'actions');
  const more = element('button', 'act more');
  more.type = 'button';
  more.setAttribute('aria-expanded', 'false');
  more.innerHTML = icon(MORE_ICON);
  more.addEventListener('click', () => openSheet(state, tile, more));
  const badge = element('span', 'badge');
  badge.setAttribute('aria-hidden', 'true');
  tile.append(open, bar, more, badge);
  tile.__parts = { open, img, bar, more, badge, state };
  return tile;
}

function updateImageTile(tile, item) {
  const { open, img, bar, more, badge, state } = tile.__parts;
  // A label on an image tile marks it as chosen (the reference picker's "#1"); its alt text says so too.
  if (badge.textContent !== (item.label || '')) badge.textContent = item.label || '';
  badge.hidden = !item.label;
  tile.classList.toggle('chosen', Boolean(item.label));
  setAttribute(img, 'src', item.src);
  setAttribute(img, 'alt', item.alt);
  setAttribute(img, 'width', String(item.width));
  setAttribute(img, 'height', String(item.height));
  setAttribute(open, 'aria-label', `Open: ${item.alt}`);
  setAttribute(more, 'aria-label', `More actions: ${item.alt}`);
  const actions = (item.actions || []).filter((a) => ACTIONS[a] && (a !== 'download' || item.download_url));
  const signature = JSON.stringify([actions, item.alt]);
  if (tile.__signature !== signature) {
    tile.__signature = signature;
    bar.replaceChildren(...actions.map((a) => actionControl(a, item, tile, state, false)));
  }
  // Signed links change once a minute: update the href in place, so a focused link keeps its focus.
  for (const link of bar.querySelectorAll('a')) setAttribute(link, 'href', item.download_url);
  tile.__item = item;
  tile.__actions = actions;
  // A tile whose only action is the tile's own click (the edit picker) shows no action bar over it.
  const extra = actions.some((a) => a !== 'open');
  bar.hidden = !extra;
  more.hidden = !extra;
}

function makePlaceholder() {
  const tile = element('div', 'tile');
  tile.setAttribute('role', 'listitem');
  const box = element('div', 'placeholder');
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  const name = element('span', 'sr-only');
  const label = element('span', 'label');
  box.append(name, label);
  tile.append(box);
  tile.__parts = { name, label };
  return tile;
}

function updatePlaceholder(tile, item) {
  const { name, label } = tile.__parts;
  if (name.textContent !== `${item.alt}: `) name.textContent = `${item.alt}: `;
  if (label.textContent !== item.label) label.textContent = item.label;
}

function actionControl(action, item, tile, state, withText) {
  const spec = ACTIONS[action];
  let node;
  if (action === 'download') {
    node = element('a', 'act');
    node.href = item.download_url;
    node.setAttribute('download', '');
    node.addEventListener('click', () => closeSheet(state));
  } else {
    node = element('button', 'act');
    node.type = 'button';
    node.addEventListener('click', (event) => {
      event.stopPropagation();
      closeSheet(state, false);
      state.trigger('action', { id: tile.dataset.id, action });
    });
  }
  node.setAttribute('aria-label', `${spec.label}: ${item.alt}`);
  node.title = spec.label;
  node.innerHTML = icon(spec.icon);
  if (withText) {
    const text = element('span');
    text.textContent = spec.label;
    node.append(text);
  }
  return node;
}

// ---- the action sheet (phones and touch screens: no hover there) ----------------------------------

function openSheet(state, tile, opener) {
  const { panel, backdrop } = state.sheet;
  const item = tile.__item;
  const title = element('p', 'sheet-title');
  title.textContent = item.alt;
  const list = element('div', 'sheet-actions');
  for (const action of tile.__actions) list.append(actionControl(action, item, tile, state, true));
  const cancel = element('button', 'act');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  cancel.addEventListener('click', () => closeSheet(state));
  list.append(cancel);
  panel.replaceChildren(title, list);
  panel.setAttribute('aria-label', `Actions: ${item.alt}`);
  panel.hidden = false;
  backdrop.hidden = false;
  opener.setAttribute('aria-expanded', 'true');
  state.sheet.opener = opener;
  panel.querySelector('.act')?.focus();
}

function closeSheet(state, refocus = true) {
  const sheet = state.sheet;
  if (!sheet || sheet.panel.hidden) return;
  sheet.panel.hidden = true;
  sheet.backdrop.hidden = true;
  sheet.panel.replaceChildren();
  sheet.opener?.setAttribute('aria-expanded', 'false');
  if (refocus) sheet.opener?.focus({ preventScroll: true });
  sheet.opener = null;
}

// ---- justified rows ----------------------------------------------------------------------------

// Greedy rows at the target height; a full row shrinks to fit the width exactly, unless ending it one
// tile earlier (and stretching it, up to MAX_STRETCH) keeps it closer to the target. The last row
// keeps the target height, so a lone portrait at the end is neither enormous nor stretched.
function layout(grid, state) {
  state.width = grid.clientWidth;
  const width = grid.clientWidth - 1; // a pixel of slack: rounding never wraps a full row
  if (width <= 0) return;
  const target = width < NARROW ? Math.max(80, Math.min(state.rowHeight, width / 3)) : state.rowHeight;
  const span = (count) => width - GAP * (count - 1);
  let row = [];
  let sum = 0;
  for (const tile of grid.children) {
    row.push(tile);
    sum += tile.__ratio;
    if (sum * target < span(row.length)) continue;
    const squeezed = span(row.length) / sum;
    if (row.length > 1) {
      const stretched = span(row.length - 1) / (sum - tile.__ratio);
      if (stretched <= target * MAX_STRETCH && stretched / target < target / squeezed) {
        place(row.slice(0, -1), stretched);
        row = [tile];
        sum = tile.__ratio;
        if (sum * target >= span(1)) {
          place(row, span(1) / sum);
          row = [];
          sum = 0;
        }
        continue;
      }
    }
    place(row, squeezed);
    row = [];
    sum = 0;
  }
  if (row.length) place(row, Math.min(target, span(row.length) / sum));
}

function place(row, height) {
  for (const tile of row) {
    tile.style.height = `${Math.floor(height * 100) / 100}px`;
    tile.style.width = `${Math.floor(tile.__ratio * height * 100) / 100}px`;
  }
}

// ---- helpers -----------------------------------------------------------------------------------

function element(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

function icon(path) {
  return `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${path}"/></svg>`;
}

function setAttribute(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}
