// LeadRelay panel: the little JavaScript htmx does not cover. Loaded with `defer`, CSP 'self'.
// - Kanban: SortableJS drag and drop posts the move (the select box does the same without JS).
// - Confirmation dialogs come from htmx's hx-confirm; nothing else runs inline.
(() => {
  function initKanban(root) {
    if (typeof Sortable === "undefined") {
      // Sortable.min.js is loaded by the pipeline page itself: when it comes after this file,
      // set the board up as soon as it has loaded.
      const script = document.querySelector('script[src$="/Sortable.min.js"]');
      if (script && !script.dataset.kanbanWaiting) {
        script.dataset.kanbanWaiting = "1";
        script.addEventListener("load", () => initKanban(document));
      }
      return;
    }
    for (const list of root.querySelectorAll("[data-sortable-stage]")) {
      if (list.dataset.sortableReady) continue;
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        group: list.dataset.sortableGroup || "deals",
        animation: 120,
        // The card's stage select and Move button stay usable (the no-drag way to move).
        filter: "select, option, button, input, a",
        preventOnFilter: false,
        onAdd: (evt) => {
          const form = evt.item.querySelector("form[data-move]");
          if (!form) return;
          form.querySelector("select[name=stage_id]").value = list.dataset.sortableStage;
          form.requestSubmit();
        },
      });
    }
  }
  // SortableJS leaves (empty) style attributes on the cards it animated; htmx copies attributes of
  // old elements onto their same-id replacements, and under CSP style-src 'self' setting a style
  // attribute is a violation. Drop them before the board is swapped.
  document.addEventListener("htmx:before:swap", () => {
    for (const el of document.querySelectorAll("#board [style]")) el.removeAttribute("style");
  });
  // A moved deal swaps the whole board (outerHTML): set up the new lists wherever they landed.
  document.addEventListener("htmx:after:swap", () => initKanban(document));
  window.addEventListener("load", () => initKanban(document));
  function init(root) {
    initKanban(root);
    for (const log of root.querySelectorAll("[data-scroll-bottom]")) log.scrollTop = log.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  // A sent chat message clears the box, as in any chat app.
  document.addEventListener("htmx:after:request", (e) => {
    const form = e.target instanceof Element ? e.target.closest("form[data-reset-after]") : null;
    if (form && e.detail?.ctx?.response?.ok !== false) form.reset();
  });
  document.addEventListener("htmx:after:swap", (e) => init(e.target instanceof Element ? e.target : document));
})();
