// Measures the rendered page for the elder-mode browser test (tests/e2e/test_elder_browser.py).
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const blend = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
    return bg;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width <= 1 || r.height <= 1 || s.visibility === "hidden" || s.display === "none") return false;
    if (r.bottom + window.scrollY <= 0 || r.right + window.scrollX <= 0) return false; // parked off screen
    for (let e = el; e; e = e.parentElement) {
      const es = getComputedStyle(e);
      if (es.display === "none" || (es.clip && es.clip !== "auto" && es.position === "absolute")) return false;
    }
    return true;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
    " «" + (el.innerText || el.value || "").trim().slice(0, 20) + "»";
  const text = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "svg", "SVG", "path", "OPTION"].includes(el.tagName)) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const s = getComputedStyle(el);
    const fg = blend(parse(s.color), background(el));
    const bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    text.push({ el: describe(el), size: parseFloat(s.fontSize), lineHeight: parseFloat(s.lineHeight) / parseFloat(s.fontSize),
                contrast: (hi + 0.05) / (lo + 0.05) });
  }
  const targets = [];
  for (const el of document.querySelectorAll("a[href], button, input[type=submit], input[type=button], summary")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    targets.push({ el: describe(el), w: r.width, h: r.height, box: [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY] });
  }
  return { text, targets, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth };
}
