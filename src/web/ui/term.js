// term.js — a small VT100/xterm subset for `taper attach -t` in the page:
// enough for a shell's line editor, ls colours, top and vi. A screen of
// rows x cols cells, a cursor, CSI sequences; keys become the bytes an
// xterm sends. No dependency.
"use strict";

const SGR_COLORS = ["#000", "#c33", "#3a3", "#c90", "#36c", "#a3a", "#3aa", "#ccc",
  "#666", "#f55", "#5d5", "#fd5", "#69f", "#d6d", "#5dd", "#fff"];

class Term {
  constructor(el, cols, rows) {
    this.el = el;
    this.cols = cols;
    this.rows = rows;
    this.onData = () => {};
    this.decoder = new TextDecoder();
    this.reset();
    el.tabIndex = 0;
    el.setAttribute("role", "textbox");
    el.setAttribute("aria-label", "terminal");
    el.addEventListener("keydown", (e) => this.key(e));
    el.addEventListener("paste", (e) => {
      e.preventDefault();
      this.onData(e.clipboardData.getData("text").replace(/\r?\n/g, "\r"));
    });
    this.render();
  }

  reset() {
    this.screen = [];
    for (let r = 0; r < this.rows; r++) this.screen.push(this.blankLine());
    this.x = 0;
    this.y = 0;
    this.attr = { fg: null, bg: null, bold: false, inv: false };
    this.top = 0;
    this.bottom = this.rows - 1;
    this.state = 0; // 0 text, 1 ESC, 2 CSI, 3 OSC
    this.params = "";
    this.cursorOn = true;
    this.saved = [0, 0];
  }

  blankLine() {
    const l = [];
    for (let c = 0; c < this.cols; c++) l.push({ ch: " ", a: null });
    return l;
  }

  write(data) {
    const text = typeof data === "string" ? data : this.decoder.decode(data, { stream: true });
    for (const ch of text) this.put(ch);
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.render(); });
    }
  }

  scrollUp() {
    this.screen.splice(this.top, 1);
    this.screen.splice(this.bottom, 0, this.blankLine());
  }

  scrollDown() {
    this.screen.splice(this.bottom, 1);
    this.screen.splice(this.top, 0, this.blankLine());
  }

  lineFeed() {
    if (this.y === this.bottom) this.scrollUp();
    else if (this.y < this.rows - 1) this.y++;
  }

  put(ch) {
    if (this.state === 4) { this.state = 0; return; }
    if (this.state === 1) return this.esc(ch);
    if (this.state === 2) return this.csiChar(ch);
    if (this.state === 3) {
      if (ch === "\x07") this.state = 0;
      else if (ch === "\x1b") this.state = 1;
      return;
    }
    switch (ch) {
      case "\x1b": this.state = 1; return;
      case "\r": this.x = 0; return;
      case "\n": case "\x0b": case "\x0c": this.lineFeed(); return;
      case "\b": if (this.x > 0) this.x--; return;
      case "\t": this.x = Math.min(this.cols - 1, (this.x + 8) & ~7); return;
      case "\x07": case "\x00": case "\x0e": case "\x0f": return;
    }
    if (this.x >= this.cols) {
      this.x = 0;
      this.lineFeed();
    }
    this.screen[this.y][this.x] = { ch, a: this.attrKey() };
    this.x++;
  }

  attrKey() {
    const a = this.attr;
    return a.fg === null && a.bg === null && !a.bold && !a.inv ? null : { ...a };
  }

  esc(ch) {
    this.state = 0;
    switch (ch) {
      case "[": this.state = 2; this.params = ""; return;
      case "]": this.state = 3; return;
      case "7": this.saved = [this.x, this.y]; return;
      case "8": [this.x, this.y] = this.saved; return;
      case "D": this.lineFeed(); return;
      case "M": if (this.y === this.top) this.scrollDown(); else if (this.y > 0) this.y--; return;
      case "c": this.reset(); return;
      case "(": case ")": this.state = 4; return; // charset: skip one more
    }
  }

  csiChar(ch) {
    if (ch >= "@" && ch <= "~" && !(this.params === "" && ch === "[")) {
      this.state = 0;
      this.csi(ch, this.params);
    } else {
      this.params += ch;
      if (this.params.length > 64) this.state = 0;
    }
  }

  csi(f, raw) {
    const priv = raw.startsWith("?");
    const p = (priv ? raw.slice(1) : raw).split(";").map((s) => parseInt(s, 10));
    const n = (i, d = 1) => (Number.isNaN(p[i]) || p[i] === undefined || p[i] === 0 ? d : p[i]);
    const clampY = () => { this.y = Math.max(0, Math.min(this.rows - 1, this.y)); };
    const clampX = () => { this.x = Math.max(0, Math.min(this.cols - 1, this.x)); };
    const line = this.screen[this.y];
    switch (f) {
      case "A": this.y -= n(0); clampY(); break;
      case "B": this.y += n(0); clampY(); break;
      case "C": this.x += n(0); clampX(); break;
      case "D": this.x = Math.min(this.x, this.cols - 1) - n(0); clampX(); break;
      case "G": this.x = n(0) - 1; clampX(); break;
      case "d": this.y = n(0) - 1; clampY(); break;
      case "H": case "f": this.y = n(0) - 1; this.x = n(1) - 1; clampY(); clampX(); break;
      case "J": {
        const mode = p[0] || 0;
        if (mode === 2 || mode === 3) { for (let r = 0; r < this.rows; r++) this.screen[r] = this.blankLine(); break; }
        if (mode === 0) {
          for (let c = this.x; c < this.cols; c++) line[c] = { ch: " ", a: null };
          for (let r = this.y + 1; r < this.rows; r++) this.screen[r] = this.blankLine();
        } else {
          for (let c = 0; c <= this.x && c < this.cols; c++) line[c] = { ch: " ", a: null };
          for (let r = 0; r < this.y; r++) this.screen[r] = this.blankLine();
        }
        break;
      }
      case "K": {
        const mode = p[0] || 0;
        const [a, b] = mode === 0 ? [this.x, this.cols] : mode === 1 ? [0, this.x + 1] : [0, this.cols];
        for (let c = a; c < b && c < this.cols; c++) line[c] = { ch: " ", a: null };
        break;
      }
      case "P": line.splice(this.x, n(0)); while (line.length < this.cols) line.push({ ch: " ", a: null }); break;
      case "@": for (let i = 0; i < n(0); i++) line.splice(this.x, 0, { ch: " ", a: null }); line.length = this.cols; break;
      case "X": for (let c = this.x; c < this.x + n(0) && c < this.cols; c++) line[c] = { ch: " ", a: null }; break;
      case "L": for (let i = 0; i < n(0); i++) { this.screen.splice(this.bottom, 1); this.screen.splice(this.y, 0, this.blankLine()); } break;
      case "M": for (let i = 0; i < n(0); i++) { this.screen.splice(this.y, 1); this.screen.splice(this.bottom, 0, this.blankLine()); } break;
      case "S": for (let i = 0; i < n(0); i++) this.scrollUp(); break;
      case "T": for (let i = 0; i < n(0); i++) this.scrollDown(); break;
      case "r": this.top = n(0) - 1; this.bottom = Math.min(this.rows, n(1, this.rows)) - 1; this.x = 0; this.y = 0; break;
      case "s": this.saved = [this.x, this.y]; break;
      case "u": [this.x, this.y] = this.saved; break;
      case "n": if (p[0] === 6) this.onData(`\x1b[${this.y + 1};${Math.min(this.x, this.cols - 1) + 1}R`);
        else if (p[0] === 5) this.onData("\x1b[0n"); break;
      case "c": if (!priv) this.onData("\x1b[?1;2c"); break;
      case "h": case "l":
        if (priv && p.includes(25)) this.cursorOn = f === "h";
        if (priv && (p.includes(1049) || p.includes(47))) { for (let r = 0; r < this.rows; r++) this.screen[r] = this.blankLine(); }
        if (priv && p.includes(1)) this.appCursor = f === "h";
        break;
      case "m": this.sgr(raw === "" ? [0] : p.map((v) => (Number.isNaN(v) ? 0 : v))); break;
    }
  }

  sgr(p) {
    const a = this.attr;
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      if (v === 0) Object.assign(a, { fg: null, bg: null, bold: false, inv: false });
      else if (v === 1) a.bold = true;
      else if (v === 22) a.bold = false;
      else if (v === 7) a.inv = true;
      else if (v === 27) a.inv = false;
      else if (v >= 30 && v <= 37) a.fg = SGR_COLORS[v - 30];
      else if (v >= 90 && v <= 97) a.fg = SGR_COLORS[v - 82];
      else if (v === 39) a.fg = null;
      else if (v >= 40 && v <= 47) a.bg = SGR_COLORS[v - 40];
      else if (v >= 100 && v <= 107) a.bg = SGR_COLORS[v - 92];
      else if (v === 49) a.bg = null;
      else if ((v === 38 || v === 48) && p[i + 1] === 5) {
        const c = p[i + 2];
        const col = c < 16 ? SGR_COLORS[c] : null;
        if (v === 38) a.fg = col; else a.bg = col;
        i += 2;
      } else if ((v === 38 || v === 48) && p[i + 1] === 2) {
        const col = `rgb(${p[i + 2]},${p[i + 3]},${p[i + 4]})`;
        if (v === 38) a.fg = col; else a.bg = col;
        i += 4;
      }
    }
  }

  render() {
    const frag = document.createDocumentFragment();
    for (let r = 0; r < this.rows; r++) {
      const div = document.createElement("div");
      div.className = "term-line";
      let run = "";
      let runAttr = null;
      const flush = () => {
        if (!run) return;
        if (runAttr) {
          const span = document.createElement("span");
          span.textContent = run;
          const fg = runAttr.inv ? runAttr.bg || "#111" : runAttr.fg;
          const bg = runAttr.inv ? runAttr.fg || "#ddd" : runAttr.bg;
          if (fg) span.style.color = fg;
          if (bg) span.style.background = bg;
          if (runAttr.bold) span.style.fontWeight = "bold";
          if (runAttr.cursor) span.className = "term-cursor";
          div.appendChild(span);
        } else {
          div.appendChild(document.createTextNode(run));
        }
        run = "";
      };
      for (let c = 0; c < this.cols; c++) {
        const cell = this.screen[r][c];
        let a = cell.a;
        if (this.cursorOn && r === this.y && c === Math.min(this.x, this.cols - 1)) a = { ...(a || {}), cursor: true };
        if (a !== runAttr && JSON.stringify(a) !== JSON.stringify(runAttr)) { flush(); runAttr = a; }
        run += cell.ch;
      }
      flush();
      frag.appendChild(div);
    }
    this.el.replaceChildren(frag);
  }

  // The text on screen, one line per row, trailing blanks dropped.
  text() {
    return this.screen.map((l) => l.map((c) => c.ch).join("").replace(/\s+$/, "")).join("\n");
  }

  key(e) {
    const app = this.appCursor ? "\x1bO" : "\x1b[";
    const map = {
      Enter: "\r", Backspace: "\x7f", Tab: "\t", Escape: "\x1b",
      ArrowUp: app + "A", ArrowDown: app + "B", ArrowRight: app + "C", ArrowLeft: app + "D",
      Home: "\x1b[H", End: "\x1b[F", Delete: "\x1b[3~", Insert: "\x1b[2~",
      PageUp: "\x1b[5~", PageDown: "\x1b[6~",
    };
    let out = null;
    if (e.ctrlKey && !e.altKey && e.key.length === 1) {
      const c = e.key.toUpperCase().charCodeAt(0);
      if (c >= 64 && c <= 95) out = String.fromCharCode(c - 64);
      else if (e.key === " ") out = "\x00";
      if (e.key === "v" && e.shiftKey) return; // let the browser paste
    } else if (map[e.key]) {
      out = map[e.key];
    } else if (e.key.length === 1 && !e.metaKey) {
      out = (e.altKey ? "\x1b" : "") + e.key;
    }
    if (out === null) return;
    // Tab stays in the terminal while it has the focus; Escape then Tab
    // leaves it (keyboard users are never trapped).
    if (e.key === "Tab" && this.lastKey === "Escape") { this.lastKey = null; return; }
    this.lastKey = e.key;
    e.preventDefault();
    this.onData(out);
  }
}

window.Term = Term;
