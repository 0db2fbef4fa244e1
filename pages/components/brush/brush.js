// The brush: paint a region over a picture with a mouse, a finger or a pen; erase, undo, clear. Strokes are
// kept in image coordinates and drawn into a mask canvas the size of the image (white where painted, transparent
// elsewhere); at the end of each stroke, undo or clear the mask goes to Python as a 1-bit PNG data URL (state "mask").
// Not during a stroke, and not later: a click on Fill region right after a stroke must see that stroke.
//
// Python may show an area chosen with the keyboard (data.area, fractions of the picture). It replaces the
// painting while chosen; the first action on the canvas takes it over as an ordinary step of the painting, and
// the mask sent then tells Python to let the area go.
//
// Streamlit calls this function again with new `data` without running the previous cleanup, so everything lives
// on the root element and is wired once.
// The mask's long side at most: a larger picture's mask is scaled up again in Python. Finer than a brush is
// precise, and it keeps reading the pixels back quick (2048² in about 50 ms).
const MAX_SIDE = 2048;

export default function ({ data, parentElement, setStateValue }) {
  const root = parentElement.querySelector('.atelier-brush');
  const s = (root.__brush ||= wire(root));
  s.send = setStateValue;
  update(s, data || {});
  return () => {
    s.observer?.disconnect();
    s.observer = null;
  };
}

function wire(root) {
  const s = {
    root,
    stage: root.querySelector('.stage'),
    img: root.querySelector('.picture'),
    view: root.querySelector('.paint'),
    size: root.querySelector('.size input'),
    erase: root.querySelector('.erase'),
    undo: root.querySelector('.undo'),
    clear: root.querySelector('.clear'),
    status: root.querySelector('.status'),
    mask: document.createElement('canvas'),
    ctx: null,
    steps: [], // {kind: 'stroke', erase, radius, points} | {kind: 'rect', rect} | {kind: 'clear'}
    stroke: null,
    pointer: null,
    hover: null,
    area: null, // [x, y, w, h] in mask pixels while an area chosen in Python replaces the painting
    areaKey: '',
    seq: 0,
  };
  s.ctx = s.mask.getContext('2d', { willReadFrequently: true }); // read back at each change
  s.view.addEventListener('pointerdown', (e) => down(s, e));
  s.view.addEventListener('pointermove', (e) => move(s, e));
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) s.view.addEventListener(type, (e) => up(s, e));
  s.view.addEventListener('pointerleave', () => {
    s.hover = null;
    paint(s);
  });
  s.erase.addEventListener('click', () => s.erase.setAttribute('aria-pressed', String(!erasing(s))));
  s.undo.addEventListener('click', () => undo(s));
  s.clear.addEventListener('click', () => clearAll(s));
  s.size.addEventListener('input', () => paint(s));
  s.observer = new ResizeObserver(() => paint(s));
  s.observer.observe(s.stage);
  return s;
}

function update(s, data) {
  const width = Math.max(1, Number(data.width) || 1);
  const height = Math.max(1, Number(data.height) || 1);
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const mw = Math.max(1, Math.round(width * scale));
  const mh = Math.max(1, Math.round(height * scale));
  if (s.mask.width !== mw || s.mask.height !== mh) {
    s.mask.width = mw;
    s.mask.height = mh;
    s.steps = [];
    s.stroke = null;
  }
  s.stage.style.setProperty('--ratio', String(width / height));
  if (s.img.getAttribute('src') !== data.src) s.img.setAttribute('src', data.src || '');
  s.img.setAttribute('alt', data.alt || '');
  s.view.setAttribute('aria-label', data.label || 'Paint over the part of the picture to change.');
  const key = JSON.stringify(data.area || null);
  if (key !== s.areaKey) {
    s.areaKey = key;
    const a = data.area;
    s.area = Array.isArray(a) ? [a[0] * mw, a[1] * mh, a[2] * mw, a[3] * mh] : null;
  }
  redraw(s);
}

// ---- painting -------------------------------------------------------------------------------------

function erasing(s) {
  return s.erase.getAttribute('aria-pressed') === 'true';
}

function toMask(s, e) {
  const box = s.view.getBoundingClientRect();
  return [((e.clientX - box.left) / box.width) * s.mask.width, ((e.clientY - box.top) / box.height) * s.mask.height];
}

function down(s, e) {
  if (s.pointer !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
  e.preventDefault();
  takeOverArea(s);
  s.pointer = e.pointerId;
  s.view.setPointerCapture?.(e.pointerId);
  const box = s.view.getBoundingClientRect();
  const radius = ((Number(s.size.value) || 40) / 2) * (s.mask.width / Math.max(1, box.width));
  s.stroke = { kind: 'stroke', erase: erasing(s), radius, points: [toMask(s, e)] };
  drawStep(s.ctx, s.stroke);
  paint(s);
}

function move(s, e) {
  if (s.pointer === null) {
    if (e.pointerType !== 'touch') {
      s.hover = [e.clientX, e.clientY];
      paint(s);
    }
    return;
  }
  if (e.pointerId !== s.pointer) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  const ctx = s.ctx;
  for (const each of events.length ? events : [e]) {
    const last = s.stroke.points[s.stroke.points.length - 1];
    const point = toMask(s, each);
    s.stroke.points.push(point);
    drawSegment(ctx, s.stroke, last, point);
  }
  if (e.pointerType !== 'touch') s.hover = [e.clientX, e.clientY];
  paint(s);
}

function up(s, e) {
  if (s.pointer === null || e.pointerId !== s.pointer) return;
  s.pointer = null;
  s.steps.push(s.stroke);
  s.stroke = null;
  paint(s);
  changed(s);
}

function undo(s) {
  if (s.area) {
    s.area = null; // undoing a chosen area lets it go and shows the painting again
  } else {
    s.steps.pop();
  }
  redraw(s);
  changed(s);
}

function clearAll(s) {
  takeOverArea(s);
  if (s.steps.length && s.steps[s.steps.length - 1].kind !== 'clear') s.steps.push({ kind: 'clear' });
  redraw(s);
  changed(s);
}

// An area chosen in Python becomes a step of the painting, in place of what was painted before it.
function takeOverArea(s) {
  if (!s.area) return;
  s.steps.push({ kind: 'clear' }, { kind: 'rect', rect: s.area });
  s.area = null;
  redraw(s);
}

function redraw(s) {
  const ctx = s.ctx;
  ctx.globalCompositeOperation = 'source-over';
  ctx.clearRect(0, 0, s.mask.width, s.mask.height);
  if (s.area) drawStep(ctx, { kind: 'rect', rect: s.area });
  else for (const step of s.steps) drawStep(ctx, step);
  if (s.stroke) drawStep(ctx, s.stroke); // a rerun may come in the middle of a stroke
  paint(s);
}

function drawStep(ctx, step) {
  ctx.globalCompositeOperation = step.erase ? 'destination-out' : 'source-over';
  ctx.fillStyle = ctx.strokeStyle = '#fff';
  if (step.kind === 'clear') {
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  } else if (step.kind === 'rect') {
    ctx.fillRect(...step.rect);
  } else {
    const [first, ...rest] = step.points;
    ctx.beginPath();
    ctx.arc(first[0], first[1], step.radius, 0, 2 * Math.PI);
    ctx.fill();
    let last = first;
    for (const point of rest) {
      drawSegment(ctx, step, last, point);
      last = point;
    }
  }
  ctx.globalCompositeOperation = 'source-over';
}

function drawSegment(ctx, step, from, to) {
  ctx.globalCompositeOperation = step.erase ? 'destination-out' : 'source-over';
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = step.radius * 2;
  ctx.lineCap = ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(from[0], from[1]);
  ctx.lineTo(to[0], to[1]);
  ctx.stroke();
  ctx.globalCompositeOperation = 'source-over';
}

// ---- what the person sees: the mask in the primary colour, half see-through, and the brush outline --------

function paint(s) {
  if (s.frame) return;
  s.frame = requestAnimationFrame(() => {
    s.frame = 0;
    const box = s.view.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(box.width * ratio));
    const h = Math.max(1, Math.round(box.height * ratio));
    if (s.view.width !== w || s.view.height !== h) {
      s.view.width = w;
      s.view.height = h;
    }
    const ctx = s.view.getContext('2d');
    ctx.clearRect(0, 0, w, h);
    ctx.globalAlpha = 0.55;
    ctx.drawImage(s.mask, 0, 0, w, h);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = 'source-in';
    ctx.fillStyle = accent(s);
    ctx.fillRect(0, 0, w, h);
    ctx.globalCompositeOperation = 'source-over';
    if (s.hover) {
      const r = ((Number(s.size.value) || 40) / 2) * ratio;
      const x = (s.hover[0] - box.left) * ratio;
      const y = (s.hover[1] - box.top) * ratio;
      for (const [colour, width] of [['#000', 3], ['#fff', 1.5]]) {
        ctx.beginPath();
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.strokeStyle = colour;
        ctx.lineWidth = width * ratio;
        ctx.stroke();
      }
    }
  });
  const empty = !s.steps.length && !s.area;
  s.undo.disabled = empty;
  s.clear.disabled = empty || (!s.area && s.steps[s.steps.length - 1]?.kind === 'clear');
}

function accent(s) {
  const value = getComputedStyle(s.root).getPropertyValue('--st-primary-color').trim();
  return value || '#ff4b4b';
}

// ---- to Python: the mask as a PNG, once a change is complete ----------------------------------------------

function changed(s) {
  send(s);
}

async function send(s) {
  const seq = ++s.seq;
  const { png, share } = await encodeMask(s.ctx); // mask_png.js, which __init__.py puts in front of this file
  if (seq !== s.seq) return; // a later change is on its way
  s.status.textContent = share > 0 ? `${Math.max(1, Math.round(share * 100))}% painted` : '';
  s.send('mask', { png: share > 0 ? `data:image/png;base64,${png}` : '', painted: share, seq });
}
