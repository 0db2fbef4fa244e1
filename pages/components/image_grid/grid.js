// The image grid: justified rows that keep each picture's shape, quick actions on every tile,
// placeholder tiles for images still being made, and a document key listener for a viewer's arrows.
// A tile may also show a ThumbHash while its picture loads (decoded by thumbhash.js, which __init__.py
// puts in front of this file), a favourite star, a caption with marked search matches, and, in
// selection mode, a checkbox.
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
  vary: {
    label: 'Vary: new images, same settings',
    icon: 'M10.59 9.17 5.41 4 4 5.41l5.17 5.17 1.42-1.41zM14.5 4l2.04 2.04L4 18.59 5.41 20 17.96 7.46 20 9.5V4h-5.5zm.33 9.41-1.41 1.41 3.13 3.13L14.5 20H20v-5.5l-2.04 2.04-3.13-3.13z',
  },
  edit: {
    label: 'Edit',
    icon: 'M3 17.25V21h3.75L17.81 9.94l-3.75-3.75L3 17.25zM20.71 7.04a1 1 0 0 0 0-1.41l-2.34-2.34a1 1 0 0 0-1.41 0l-1.83 1.83 3.75 3.75 1.83-1.83z',
  },
  delete: { label: 'Delete', icon: 'M6 19c0 1.1.9 2 2 2h8c1.1 0 2-.9 2-2V7H6v12zM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4z' },
};
const STAR_ICON = 'M12 17.27 18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21z';
const STAR_OUTLINE_ICON =
  'M22 9.24l-7.19-.62L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21 12 17.27 18.18 21l-1.63-7.03L22 9.24zM12 15.4l-3.76 2.27 1-4.28-3.32-2.88 4.38-.38L12 6.1l1.71 4.04 4.38.38-3.32 2.88 1 4.28L12 15.4z';
const CHECK_ICON = 'M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z';
const CAPTION_HEIGHT = 40; // px under each picture when any tile has a caption; --caption-h in grid.css
const FADE_MS = 240; // the picture's fade-in over its ThumbHash; the transition in grid.css
// Decoded ThumbHash data URLs by hash, for the page's lifetime: a rerun or a page switch reuses them.
const HASH_URLS = new Map();
const HASH_URLS_MAX = 2000;
const TOGGLE_MS = 10_000; // how long a selection toggle or a star click waits for Python to confirm it
let captionIds = 0;
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
  adoptSelection(state, data);
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
  const items = data.items || [];
  state.captioned = items.some((item) => item.caption && item.caption.length);
  grid.classList.toggle('captioned', state.captioned);
  grid.classList.toggle('selecting', state.selectable);
  if (state.selectable) closeSheet(state, false);
  render(grid, state, items);
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

// ---- selection ---------------------------------------------------------------------------------

// Python owns the selection: each render's `selected` replaces ours, with the toggles Python has not
// seen yet (their sequence number is above `select_seen`) played on top, so quick clicks never flicker.
// A toggle Python never answers (a lost trigger) is dropped after TOGGLE_MS.
function adoptSelection(state, data) {
  state.selectable = Boolean(data.selectable);
  const seen = Number(data.select_seen) || 0;
  const recent = Date.now() - TOGGLE_MS;
  state.toggles = state.selectable ? (state.toggles || []).filter((t) => t.seq > seen && t.at > recent) : [];
  state.selected = new Set((data.selected || []).map(String));
  for (const toggle of state.toggles) flip(state.selected, toggle.id);
}

function toggleSelected(state, tile) {
  const id = tile.dataset.id;
  state.seq = Math.max(Date.now(), (state.seq || 0) + 1); // increasing across remounts too
  state.toggles.push({ id, seq: state.seq, at: Date.now() });
  flip(state.selected, id);
  paintSelection(tile, state);
  state.trigger('select', { ids: [...state.selected], seq: state.seq });
}

function flip(set, id) {
  if (!set.delete(id)) set.add(id);
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
  const pic = element('span', 'pic');
  const img = element('img');
  img.loading = 'lazy';
  img.decoding = 'async';
  img.draggable = false;
  img.addEventListener('load', () => settle(tile));
  img.addEventListener('error', () => settle(tile)); // show the alt text rather than a placeholder forever
  const check = element('span', 'check');
  check.setAttribute('aria-hidden', 'true');
  check.innerHTML = icon(CHECK_ICON);
  pic.append(img, check);
  const caption = element('span', 'caption');
  caption.id = `atelier-grid-caption-${++captionIds}`;
  open.append(pic, caption);
  open.addEventListener('click', () => {
    if (state.selectable) toggleSelected(state, tile);
    else state.trigger('open', tile.dataset.id);
  });
  const bar = element('div', 'actions');
  const more = element('button', 'act more');
  more.type = 'button';
  more.setAttribute('aria-expanded', 'false');
  more.innerHTML = icon(MORE_ICON);
  more.addEventListener('click', () => openSheet(state, tile, more));
  const star = element('button', 'act star');
  star.type = 'button';
  star.addEventListener('click', (event) => {
    event.stopPropagation(); // a star is not the tile's own click
    toggleStar(state, tile);
  });
  const badge = element('span', 'badge');
  badge.setAttribute('aria-hidden', 'true');
  tile.append(open, bar, more, star, badge);
  tile.__parts = { open, pic, img, caption, bar, more, star, badge, state };
  return tile;
}

function updateImageTile(tile, item) {
  const { img, bar, more, badge, state } = tile.__parts;
  // A label on an image tile marks it as chosen (the reference picker's "#1"); its alt text says so too.
  if (badge.textContent !== (item.label || '')) badge.textContent = item.label || '';
  badge.hidden = !item.label;
  tile.classList.toggle('chosen', Boolean(item.label));
  paintHash(tile, item.thumbhash || ''); // before the src, so the placeholder is there first
  setAttribute(img, 'src', item.src);
  setAttribute(img, 'alt', item.alt);
  setAttribute(img, 'width', String(item.width));
  setAttribute(img, 'height', String(item.height));
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
  updateStar(tile, item.starred);
  paintCaption(tile, item.caption || []);
  paintSelection(tile, state);
}

function paintSelection(tile, state) {
  const { open } = tile.__parts;
  const alt = tile.__item.alt;
  const on = state.selectable && state.selected.has(tile.dataset.id);
  if (state.selectable) {
    setAttribute(open, 'role', 'checkbox');
    setAttribute(open, 'aria-checked', String(on));
    setAttribute(open, 'aria-label', `Select image: ${alt}`);
  } else {
    open.removeAttribute('role');
    open.removeAttribute('aria-checked');
    setAttribute(open, 'aria-label', `Open: ${alt}`);
  }
  tile.classList.toggle('selected', on);
}

// ---- favourites: the star is drawn at once, and the rerun it starts confirms it ---------------------

function updateStar(tile, starred) {
  const { star } = tile.__parts;
  star.hidden = starred === null || starred === undefined;
  if (star.hidden) return;
  // Keep our own state while Python has not answered (its value has not changed since the click).
  const pending = tile.__starClicked > Date.now() - TOGGLE_MS;
  if (!pending || starred !== tile.__starFromPython) {
    tile.__starClicked = 0;
    paintStar(tile, Boolean(starred));
  }
  tile.__starFromPython = starred;
}

function toggleStar(state, tile) {
  tile.__starClicked = Date.now();
  paintStar(tile, !tile.__starred);
  state.trigger('action', { id: tile.dataset.id, action: 'star' });
}

function paintStar(tile, on) {
  const { star } = tile.__parts;
  tile.__starred = on;
  const label = on ? 'Remove from favourites' : 'Add to favourites';
  setAttribute(star, 'aria-pressed', String(on));
  setAttribute(star, 'aria-label', label);
  setAttribute(star, 'title', label);
  if (star.__on !== on) {
    star.__on = on;
    star.innerHTML = icon(on ? STAR_ICON : STAR_OUTLINE_ICON);
  }
}

// ---- captions: user text, so text nodes only --------------------------------------------------

function paintCaption(tile, segments) {
  const { open, caption } = tile.__parts;
  const signature = JSON.stringify(segments);
  if (caption.__signature === signature) return;
  caption.__signature = signature;
  const nodes = segments.map(([text, hit]) => {
    if (!hit) return document.createTextNode(String(text));
    const mark = element('mark');
    mark.textContent = String(text);
    return mark;
  });
  caption.replaceChildren(...nodes);
  if (nodes.length) setAttribute(open, 'aria-describedby', caption.id);
  else open.removeAttribute('aria-describedby');
}

// ---- ThumbHash placeholders ---------------------------------------------------------------------

function paintHash(tile, hash) {
  const { pic } = tile.__parts;
  if (tile.__hash === hash) return;
  tile.__hash = hash;
  const url = hash && !tile.__loaded ? hashURL(hash) : '';
  pic.classList.toggle('hashed', Boolean(url));
  pic.style.backgroundImage = url ? `url("${url}")` : '';
}

function hashURL(hash) {
  let url = HASH_URLS.get(hash);
  if (url === undefined) {
    try {
      url = thumbHashToDataURL(Uint8Array.from(atob(hash), (c) => c.charCodeAt(0)));
    } catch {
      url = ''; // not base64, or too short to be a ThumbHash: no placeholder
    }
    if (HASH_URLS.size >= HASH_URLS_MAX) HASH_URLS.delete(HASH_URLS.keys().next().value);
    HASH_URLS.set(hash, url);
  }
  return url;
}

// The picture has loaded (or failed): fade it in, then drop the placeholder, which would otherwise show
// through a transparent picture.
function settle(tile) {
  const { pic } = tile.__parts;
  if (tile.__loaded) return;
  tile.__loaded = true;
  pic.classList.add('loaded');
  if (!pic.style.backgroundImage) return;
  const clear = () => {
    pic.style.backgroundImage = '';
    pic.classList.remove('hashed');
  };
  if (matchMedia('(prefers-reduced-motion: reduce)').matches) clear();
  else setTimeout(clear, FADE_MS + 100);
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

// Greedy rows at the target (picture) height; a full row shrinks to fit the width exactly, unless ending it one
// tile earlier (and stretching it, up to MAX_STRETCH) keeps it closer to the target. The last row
// keeps the target height, so a lone portrait at the end is neither enormous nor stretched.
function layout(grid, state) {
  state.width = grid.clientWidth;
  const width = grid.clientWidth - 1; // a pixel of slack: rounding never wraps a full row
  if (width <= 0) return;
  const target = width < NARROW ? Math.max(80, Math.min(state.rowHeight, width / 3)) : state.rowHeight;
  const span = (count) => width - GAP * (count - 1);
  const caption = state.captioned ? CAPTION_HEIGHT : 0; // below the picture: the tile is that much taller
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
        place(row.slice(0, -1), stretched, caption);
        row = [tile];
        sum = tile.__ratio;
        if (sum * target >= span(1)) {
          place(row, span(1) / sum, caption);
          row = [];
          sum = 0;
        }
        continue;
      }
    }
    place(row, squeezed, caption);
    row = [];
    sum = 0;
  }
  if (row.length) place(row, Math.min(target, span(row.length) / sum), caption);
}

function place(row, height, caption) {
  for (const tile of row) {
    tile.style.height = `${Math.floor((height + caption) * 100) / 100}px`;
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
