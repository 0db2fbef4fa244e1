// A before/after comparison: the after picture lies over the before picture, clipped at a divider (--pos, the
// slider's value in % from the left), so the after picture shows left of the divider. The range input is the one
// control (arrow keys, Home, End, a screen reader's own gestures); a drag on the picture sets it too.
//
// Streamlit calls this function again with new `data` without running the previous cleanup, so everything lives
// on the root element and is wired once; a rerun with the same pictures keeps the divider where it was.
const START = 50;

export default function ({ data, parentElement }) {
  const root = parentElement.querySelector('.atelier-compare');
  const s = (root.__compare ||= wire(root));
  update(s, data || {});
  return () => {};
}

function wire(root) {
  const s = {
    stage: root.querySelector('.stage'),
    before: root.querySelector('.before'),
    after: root.querySelector('.after'),
    beforeTag: root.querySelector('.before-tag'),
    afterTag: root.querySelector('.after-tag'),
    text: root.querySelector('.control-text'),
    input: root.querySelector('input'),
    pair: '',
    labels: { before: '', after: '' },
    dragging: null,
  };
  s.input.addEventListener('input', () => show(s, Number(s.input.value)));
  s.before.addEventListener('load', () => {
    const { naturalWidth: w, naturalHeight: h } = s.before;
    if (w && h) s.stage.style.setProperty('--ratio', String(w / h));
  });
  s.stage.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    s.dragging = event.pointerId;
    s.stage.setPointerCapture(event.pointerId);
    follow(s, event);
  });
  s.stage.addEventListener('pointermove', (event) => {
    if (s.dragging === event.pointerId) follow(s, event);
  });
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
    s.stage.addEventListener(type, (event) => {
      if (s.dragging === event.pointerId) s.dragging = null;
    });
  }
  return s;
}

function update(s, data) {
  const before = data.before || {};
  const after = data.after || {};
  setAttribute(s.before, 'src', before.src || '');
  setAttribute(s.after, 'src', after.src || '');
  setAttribute(s.before, 'alt', before.alt || '');
  setAttribute(s.after, 'alt', after.alt || '');
  s.labels = { before: before.label || 'Before', after: after.label || 'After' };
  setText(s.beforeTag, s.labels.before);
  setText(s.afterTag, s.labels.after);
  setText(s.text, `Compare: drag to reveal ${s.labels.after}`);
  const pair = JSON.stringify([before.src, after.src]);
  if (pair !== s.pair) {
    s.pair = pair;
    s.input.value = String(START); // new pictures start in the middle
  }
  show(s, Number(s.input.value));
}

// The pointer's place over the picture, as the slider's value.
function follow(s, event) {
  const box = s.stage.getBoundingClientRect();
  if (box.width <= 0) return;
  const value = Math.round(Math.min(100, Math.max(0, ((event.clientX - box.left) / box.width) * 100)));
  if (String(value) === s.input.value) return;
  s.input.value = String(value);
  show(s, value);
}

function show(s, value) {
  s.stage.style.setProperty('--pos', `${value}%`);
  setAttribute(s.input, 'aria-valuetext', `${value}% ${s.labels.after}, ${100 - value}% ${s.labels.before}`);
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function setAttribute(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}
