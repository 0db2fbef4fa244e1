// Ctrl+Enter (Cmd+Enter on a Mac) in the text box named data.field reports a press; Python treats it as a click of
// the page's main button. The listener is on the document, so each mount replaces the one its key added before
// (a changed `data` calls this function again without the previous cleanup).
export default function ({ key, data, setTriggerValue }) {
  const field = String((data && data.field) || '');
  const registry = (window.__atelierSubmitShortcut ||= {});
  if (registry[key]) document.removeEventListener('keydown', registry[key]);
  const onKey = (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if (event.isComposing || event.repeat) return; // an IME still composing, or a held key
    const target = event.composedPath()[0];
    if (!(target instanceof HTMLTextAreaElement) || target.getAttribute('aria-label') !== field) return;
    setTriggerValue('submit', true);
  };
  registry[key] = onKey;
  document.addEventListener('keydown', onKey);
  return () => {
    document.removeEventListener('keydown', onKey);
    if (registry[key] === onKey) delete registry[key];
  };
}
