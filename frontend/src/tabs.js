// The query tabs' bar: select, rename (double-click or the menu), duplicate, close, close
// others, reorder by dragging; the + button stays visible while many tabs scroll.
import { h, clear } from "./dom.js";

export function createTabBar(root, { tabs, isRunning, onSelect, onNew, onClose, onRename, onDuplicate, onCloseOthers, onMove }) {
  const list = h("div", { class: "tab-list", role: "tablist" });
  const plus = h("button", { class: "tab-new", title: "New query tab", "aria-label": "New query tab", onclick: () => onNew() }, "+");
  root.append(list, plus);
  let dragging = null;

  function rename(tab, titleEl) {
    const input = h("input", { class: "tab-rename", value: tab.title, "aria-label": "Tab name", maxlength: "60" });
    let done = false;
    const finish = (keep) => {
      if (done) return;
      done = true;
      const name = input.value.trim();
      if (keep && name) onRename(tab.id, name);
      else render();
    };
    input.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key === "Enter") finish(true);
      if (e.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(true));
    input.addEventListener("click", (e) => e.stopPropagation());
    titleEl.replaceWith(input);
    input.focus();
    input.select();
  }

  function menu(tab, x, y) {
    document.querySelector(".tab-menu")?.remove();
    const item = (label, fn, disabled = false) => h("button", { class: "menu-item", role: "menuitem", disabled, onclick: () => (pop.remove(), fn()) }, label);
    const pop = h(
      "div",
      { class: "tab-menu popover", role: "menu", style: { left: `${x}px`, top: `${y}px` } },
      item("Rename", () => rename(tab, list.querySelector(`[data-tab="${tab.id}"] .tab-title`))),
      item("Duplicate", () => onDuplicate(tab.id)),
      item("Close", () => onClose(tab.id)),
      item("Close others", () => onCloseOthers(tab.id), tabs().length < 2),
    );
    document.body.append(pop);
    setTimeout(() => document.addEventListener("mousedown", function off(e) {
      if (!pop.contains(e.target)) {
        pop.remove();
        document.removeEventListener("mousedown", off);
      }
    }), 0);
  }

  let current = null; // the active tab's id, for a render from within (a rename given up)
  function render(active = current) {
    current = active;
    clear(list);
    for (const t of tabs()) {
      const title = h("span", { class: "tab-title", title: "Double-click to rename" }, t.title);
      const el = h(
        "div",
        {
          class: `tab${t.id === active ? " active" : ""}`,
          role: "tab",
          draggable: "true",
          "aria-selected": String(t.id === active),
          dataset: { tab: t.id },
          title: t.sql.slice(0, 200),
          onclick: () => onSelect(t.id),
          ondblclick: (e) => (e.preventDefault(), rename(t, title)),
          oncontextmenu: (e) => (e.preventDefault(), menu(t, e.clientX, e.clientY)),
          ondragstart: (e) => ((dragging = t.id), e.dataTransfer.setData("text/plain", t.id)),
          ondragover: (e) => dragging && e.preventDefault(),
          ondrop: (e) => {
            e.preventDefault();
            if (dragging && dragging !== t.id) onMove(dragging, t.id);
            dragging = null;
          },
        },
        title,
        isRunning(t.id) ? h("span", { class: "spinner small", title: "Running" }) : null,
        h("button", { class: "tab-menu-btn", title: "Tab menu", "aria-label": `Menu of ${t.title}`, onclick: (e) => { e.stopPropagation(); const r = e.currentTarget.getBoundingClientRect(); menu(t, r.left, r.bottom + 2); } }, "⋯"),
        h("button", { class: "tab-close", title: "Close tab", "aria-label": `Close ${t.title}`, onclick: (e) => (e.stopPropagation(), onClose(t.id)) }, "×"),
      );
      list.append(el);
    }
    list.querySelector(".tab.active")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  return { render };
}
