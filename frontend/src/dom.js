// A tiny element builder: h("div", {class: "x", onclick: fn}, child, "text", ...).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style" && typeof value === "object") {
      Object.assign(el.style, value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : value);
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function fmtNumber(n) {
  return n === undefined || n === null ? "–" : Number(n).toLocaleString("en-US");
}

export function fmtSeconds(s) {
  if (s === undefined || s === null) return "–";
  return s < 10 ? `${s.toFixed(2)} s` : s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// A modal dialog; returns {el, close}.
export function modal(title, body, { wide = false, onClose } = {}) {
  const close = () => {
    overlay.remove();
    document.removeEventListener("keydown", onKey);
    if (onClose) onClose();
  };
  const onKey = (e) => {
    if (e.key === "Escape") close();
  };
  const overlay = h(
    "div",
    { class: "overlay", onmousedown: (e) => e.target === overlay && close() },
    h(
      "div",
      { class: `dialog${wide ? " wide" : ""}`, role: "dialog", "aria-label": title },
      h("div", { class: "dialog-head" }, h("h2", {}, title), h("button", { class: "icon-btn", title: "Close", "aria-label": "Close", onclick: close }, "✕")),
      h("div", { class: "dialog-body" }, body),
    ),
  );
  document.addEventListener("keydown", onKey);
  document.body.append(overlay);
  return { el: overlay, close };
}

export function confirmDialog(title, message, action = "Delete") {
  return new Promise((resolve) => {
    let answered = false;
    const done = (v) => {
      answered = true;
      m.close();
      resolve(v);
    };
    const m = modal(
      title,
      h(
        "div",
        {},
        h("p", {}, message),
        h(
          "div",
          { class: "form-actions" },
          h("button", { class: "btn", onclick: () => done(false) }, "Cancel"),
          h("button", { class: "btn danger", onclick: () => done(true) }, action),
        ),
      ),
      { onClose: () => !answered && resolve(false) },
    );
  });
}

export function toast(message, kind = "info") {
  let box = document.querySelector(".toasts");
  if (!box) {
    box = h("div", { class: "toasts" });
    document.body.append(box);
  }
  const t = h("div", { class: `toast ${kind}`, role: "status" }, message);
  box.append(t);
  setTimeout(() => t.remove(), 4000);
}
