// The layout check's one measurement per page (tests/e2e/test_layout_browser.py): returns the
// problems a person would notice, each as one line. `limits` = {text, target, contrast, sizes}.
(limits) => {
  const problems = [];
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const blend = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const styles = new Map();
  const style = (e) => { let s = styles.get(e); if (!s) { s = getComputedStyle(e); styles.set(e, s); } return s; };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(style(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
    return bg;
  };
  const hidden = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = style(e);
      if (s.display === "none" || s.visibility === "hidden" || s.opacity === "0") return true;
      if (s.position === "absolute" && s.clip && s.clip !== "auto") return true; // visually hidden
    }
    const r = el.getBoundingClientRect();
    return r.width <= 1 || r.height <= 1 || r.bottom + scrollY <= 0 || r.right + scrollX <= 0;
  };
  // An ancestor that scrolls (its own box, such as a wide table's) or clips: overflow inside it is
  // by design, not the page's.
  const scroller = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const s = style(e);
      if (s.overflowX !== "visible") return e;
    }
    return null;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "") +
    " «" + ((el.innerText || el.value || el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 24)) + "»";

  // 1. No sideways scrolling of the page.
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    let widest = null;
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && !hidden(el) && !scroller(el)) { widest = el; break; }
    }
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px window` +
                  (widest ? `: ${describe(widest)}` : ""));
  }

  // 2. Text: size, contrast, overflowing its box, Latin words broken inside.
  const word = /[A-Za-z0-9][A-Za-z0-9'’]*/g;
  const range = document.createRange();
  let texts = 0;
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const value = node.textContent;
    if (!value.trim()) continue;
    const el = node.parentElement;
    if (!el || ["SCRIPT", "STYLE", "OPTION", "TITLE", "NOSCRIPT", "TEXTAREA"].includes(el.tagName)) continue;
    if (hidden(el)) continue;
    texts++;
    const s = style(el);
    const svg = el instanceof SVGElement;
    let size = parseFloat(s.fontSize);
    if (svg && el.getScreenCTM) {
      const m = el.getScreenCTM();
      if (m) size *= Math.hypot(m.a, m.b);
    }
    const key = el;
    if (!seen.has(key)) {
      seen.add(key);
      if (size < limits.text - 0.1) problems.push(`text ${size.toFixed(1)}px < ${limits.text}px: ${describe(el)}`);
      if (!svg && !el.closest("[disabled], [aria-disabled=true]")) {
        const bg = background(el);
        const fg = blend(parse(s.color), bg);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        const contrast = (hi + 0.05) / (lo + 0.05);
        if (contrast < limits.contrast) problems.push(`contrast ${contrast.toFixed(2)} < ${limits.contrast}: ${describe(el)}`);
      }
    }
    if (svg) continue;
    // The box the text must stay in: the nearest block-level ancestor.
    let box = el;
    while (box.parentElement && style(box).display.startsWith("inline") && style(box).display !== "inline-block" && style(box).display !== "inline-flex") box = box.parentElement;
    const clip = scroller(el);
    range.selectNodeContents(node);
    const b = box.getBoundingClientRect();
    const t = range.getBoundingClientRect();
    if (t.width > 0 && (t.right > b.right + 2 || t.left < b.left - 2)) {
      const inScroller = clip && (style(clip).overflowX === "auto" || style(clip).overflowX === "scroll") && clip.scrollWidth > clip.clientWidth;
      if (!inScroller) problems.push(`text overflows its box by ${Math.round(Math.max(t.right - b.right, b.left - t.left))}px: ${describe(box)}`);
    }
    // Words: one rectangle per word unless the word is wider than its box (it cannot fit anyway).
    if (/[A-Za-z]{2}/.test(value)) {
      word.lastIndex = 0;
      let m;
      while ((m = word.exec(value))) {
        if (m[0].length < 2) continue;
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        if (rects.length > 1 && rects.some((r) => Math.abs(r.top - rects[0].top) > 2)) {
          const whole = rects.reduce((a, r) => a + r.width, 0);
          if (whole <= b.width) problems.push(`word broken inside «${m[0]}»: ${describe(box)}`);
        }
      }
    }
  }

  // 3. Controls large enough to hit; inline links inside a sentence are exempt (WCAG 2.5.8).
  let controls = 0;
  const controlSelector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex='0']";
  for (const el of document.querySelectorAll(controlSelector)) {
    if (hidden(el)) continue;
    controls++;
    let r = el.getBoundingClientRect();
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) r = label.getBoundingClientRect();
    }
    if (el.tagName === "A" && style(el).display === "inline") {
      const parent = el.parentElement;
      const sentence = Array.from(parent.childNodes).some((n) => n !== el && n.nodeType === 3 && n.textContent.trim());
      if (sentence) continue;
    }
    if (r.width < limits.target - 0.5 || r.height < limits.target - 0.5)
      problems.push(`control ${Math.round(r.width)}×${Math.round(r.height)} < ${limits.target}×${limits.target}: ${describe(el)}`);
  }
  return { problems: Array.from(new Set(problems)), texts, controls };
}
