// app.js — the taper panel: an overview of the store's containers and a
// page per container, over /api/v1/ (docs/api-web.md). Plain DOM, no
// framework, no build step.
"use strict";

const API = "/api/v1";
const PAGE_SIZE = 50;
const HISTORY = 30; // overview sparkline samples
const CHART_SPAN = 5 * 60 * 1000;

const state = {
  csrf: null,
  containers: [],
  history: new Map(), // name -> {cpu: [], mem: []}
  filter: "",
  page: 0,
  pollTimer: null,
  view: null, // cleanup of the current view
};

// ---- helpers ----

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function bytes(n) {
  if (n === null || n === undefined) return "–";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)) + " " + u[i];
}

function pct(v) {
  return v === null || v === undefined ? "–" : v.toFixed(v < 10 ? 1 : 0) + "%";
}

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.field = body && body.field;
  }
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(API + path, opts);
  if (r.status === 401) { location.href = "/"; throw new ApiError(401, { error: "logged out" }); }
  const text = await r.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch (e) { doc = { error: text }; }
  if (!r.ok) throw new ApiError(r.status, doc);
  return doc;
}

function flash(msg, bad) {
  const box = document.getElementById("flash");
  const d = h("div", { class: bad ? "bad" : "" }, msg);
  box.append(d);
  setTimeout(() => d.remove(), bad ? 9000 : 4000);
}

const enc = encodeURIComponent;

// ---- actions ----

const ACTIONS = {
  start: { label: "Start", when: ["STOPPED"] },
  stop: { label: "Stop", when: ["RUNNING", "FROZEN", "STARTING"] },
  freeze: { label: "Freeze", when: ["RUNNING"] },
  unfreeze: { label: "Unfreeze", when: ["FROZEN"] },
};

async function doAction(name, verb, body, errEl) {
  if (errEl) errEl.textContent = "";
  try {
    const r = await api("POST", `/containers/${enc(name)}/${verb}`, body);
    flash(`${name}: ${r && r.state ? r.state : verb + " done"}`);
    return r;
  } catch (e) {
    if (errEl) errEl.textContent = e.message;
    else flash(e.message, true);
    return null;
  } finally {
    refreshList();
  }
}

function actionButtons(c, errEl, onDone) {
  return Object.entries(ACTIONS).map(([verb, a]) =>
    h("button", {
      type: "button",
      "data-action": verb,
      "aria-label": `${a.label} ${c.name}`,
      disabled: !a.when.includes(c.state),
      onclick: async (ev) => {
        ev.target.disabled = true;
        await doAction(c.name, verb, undefined, errEl);
        if (onDone) onDone();
      },
    }, a.label));
}

// ---- overview ----

async function refreshList() {
  try {
    const doc = await api("GET", "/containers");
    state.containers = doc.containers;
    for (const c of doc.containers) {
      let hist = state.history.get(c.name);
      if (!hist) { hist = { cpu: [], mem: [] }; state.history.set(c.name, hist); }
      hist.cpu.push(c.cpu_percent);
      hist.mem.push(c.state === "RUNNING" || c.state === "FROZEN" ? c.memory : null);
      if (hist.cpu.length > HISTORY) { hist.cpu.shift(); hist.mem.shift(); }
    }
    if (state.renderList) state.renderList();
  } catch (e) {
    if (e.status !== 401) flash(e.message, true);
  }
}

function viewOverview(main) {
  const filter = h("input", {
    type: "search", placeholder: "Filter by name, state or address", "aria-label": "Filter containers",
    value: state.filter,
    oninput: (e) => { state.filter = e.target.value; state.page = 0; render(); },
  });
  const count = h("span", { class: "muted" });
  const tbody = h("tbody");
  const pager = h("div", { class: "pager" });
  main.append(
    h("div", { class: "toolbar" }, filter, count),
    h("table", { class: "containers" },
      h("thead", {}, h("tr", {},
        ["Name", "State", "IPv4", "CPU", "Memory", "Pids", "Autostart", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      tbody),
    pager);

  function matches(c, f) {
    if (!f) return true;
    f = f.toLowerCase();
    return c.name.toLowerCase().includes(f) || (c.state || "").toLowerCase() === f ||
      (c.ipv4 || []).some((ip) => ip.includes(f));
  }

  function render() {
    const list = state.containers.filter((c) => matches(c, state.filter));
    const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
    if (state.page >= pages) state.page = pages - 1;
    const shown = list.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
    count.textContent = `${list.length} of ${state.containers.length} containers`;
    const rows = shown.map((c) => {
      const hist = state.history.get(c.name) || { cpu: [], mem: [] };
      const cpu = h("canvas", { class: "spark", "aria-hidden": "true" });
      const mem = h("canvas", { class: "spark", "aria-hidden": "true" });
      const err = h("span", { class: "row-error", role: "alert" });
      const tr = h("tr", { "data-name": c.name },
        h("td", {}, h("a", { href: `#/c/${enc(c.name)}` }, c.name), " ", err),
        h("td", {}, h("span", { class: `badge s-${c.state}` }, c.state)),
        h("td", { class: "c-ip num" }, (c.ipv4 || []).join(", ") || "–"),
        h("td", { class: "num" }, cpu, " ", pct(c.cpu_percent)),
        h("td", { class: "num" }, mem, " ", c.state === "STOPPED" ? "–" : bytes(c.memory)),
        h("td", { class: "c-pids num" }, c.state === "STOPPED" ? "–" : c.pids),
        h("td", { class: "c-auto" }, c.autostart ? "yes" : "no"),
        h("td", { class: "actions" }, actionButtons(c, err)));
      requestAnimationFrame(() => {
        Charts.sparkline(cpu, hist.cpu, "#2457c5", 5);
        Charts.sparkline(mem, hist.mem, "#16803c");
      });
      return tr;
    });
    if (!rows.length) {
      rows.push(h("tr", {}, h("td", { colspan: 8, class: "muted" },
        state.containers.length ? "No container matches." : "No container yet: make one with New container.")));
    }
    // Keep the focus on the button the user is on across refreshes.
    const active = document.activeElement;
    const key = active && active.closest("tr") ? [active.closest("tr").dataset.name, active.dataset.action] : null;
    tbody.replaceChildren(...rows);
    if (key && key[1]) {
      const again = tbody.querySelector(`tr[data-name="${CSS.escape(key[0])}"] button[data-action="${key[1]}"]`);
      if (again && !again.disabled) again.focus();
    }
    pager.replaceChildren(
      h("button", { type: "button", disabled: state.page === 0, onclick: () => { state.page--; render(); } }, "Previous"),
      h("span", { class: "muted" }, `page ${state.page + 1} of ${pages}`),
      h("button", { type: "button", disabled: state.page >= pages - 1, onclick: () => { state.page++; render(); } }, "Next"));
  }

  state.renderList = render;
  render();
  refreshList();
  const timer = setInterval(refreshList, 2000);
  return () => { clearInterval(timer); state.renderList = null; };
}

// ---- container page ----

function viewContainer(main, name) {
  const stop = [];
  const head = h("div", { class: "head" });
  const err = h("p", { class: "error", role: "alert" });
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const body = h("div");
  main.append(head, err, tabs, body);
  let detail = null;
  const series = { cpu: [], memory: [], pids: [] };
  let limitsNow = { memory: null, pids: null };

  async function load() {
    try {
      detail = await api("GET", `/containers/${enc(name)}`);
    } catch (e) {
      head.replaceChildren(h("h1", {}, name));
      err.textContent = e.message;
      return;
    }
    const s = detail.summary;
    head.replaceChildren(
      h("h1", {}, name),
      h("span", { class: `badge s-${s.state}` }, s.state),
      h("span", { class: "muted" }, (s.ipv4 || []).join(", ")),
      ...actionButtons(s, err, load),
      h("button", { type: "button", onclick: () => doAction(name, "restart", undefined, err).then(load), disabled: s.state === "STOPPED" }, "Restart"),
      h("button", { type: "button", onclick: () => cloneDialog(name) }, "Clone"),
      h("button", { type: "button", onclick: () => renameDialog(name), disabled: s.state !== "STOPPED" }, "Rename"),
      h("button", { type: "button", class: "danger", onclick: () => destroyDialog(name, s.state) }, "Destroy"));
    if (currentTab === "limits" && !limitsDirty) showTab("limits");
  }

  // Live charts from the SSE stream.
  const es = new EventSource(`${API}/containers/${enc(name)}/stats`);
  es.onmessage = (ev) => {
    const d = JSON.parse(ev.data);
    const t = Date.now();
    series.cpu.push({ t, v: d.running ? d.cpu : null });
    series.memory.push({ t, v: d.running ? d.memory : null });
    series.pids.push({ t, v: d.running ? d.pids : null });
    limitsNow = { memory: d.memory_limit, pids: d.pids_limit };
    for (const k of Object.keys(series)) while (series[k].length && series[k][0].t < t - CHART_SPAN) series[k].shift();
    if (detail && detail.summary && (d.running !== (detail.summary.state !== "STOPPED"))) load();
    drawCharts();
  };
  stop.push(() => es.close());

  let charts = null;
  function drawCharts() {
    if (!charts) return;
    const now = Date.now();
    // The span grows from one minute to CHART_SPAN as samples come.
    const first = series.memory.length ? series.memory[0].t : now;
    const span = Math.min(CHART_SPAN, Math.max(60000, now - first));
    const last = (k) => { const s = series[k]; return s.length ? s[s.length - 1].v : null; };
    charts.cpuLabel.textContent = pct(last("cpu"));
    charts.memLabel.textContent = bytes(last("memory")) + (limitsNow.memory ? " of " + bytes(limitsNow.memory) : "");
    charts.pidsLabel.textContent = (last("pids") ?? "–") + (limitsNow.pids ? " of " + limitsNow.pids : "");
    Charts.timeChart(charts.cpu, series.cpu, { now, span, color: "#2457c5", min: 5, format: (v) => v.toFixed(0) + "%" });
    Charts.timeChart(charts.mem, series.memory, { now, span, color: "#16803c", min: 1 << 20, limit: limitsNow.memory, format: bytes });
    Charts.timeChart(charts.pids, series.pids, { now, span, color: "#b45309", min: 4, limit: limitsNow.pids, format: (v) => v.toFixed(0) });
  }

  let currentTab = null;
  let limitsDirty = false;
  let term = null;
  const TABS = { overview: "Overview", limits: "Limits", ports: "Ports", config: "Config", console: "Console", terminal: "Terminal" };
  for (const [k, label] of Object.entries(TABS)) {
    tabs.append(h("button", { type: "button", role: "tab", id: `tab-${k}`, "aria-selected": "false", onclick: () => showTab(k) }, label));
  }

  function showTab(k) {
    currentTab = k;
    for (const b of tabs.children) b.setAttribute("aria-selected", String(b.id === `tab-${k}`));
    if (term && k !== "terminal") { term.close(); term = null; }
    charts = null;
    body.replaceChildren();
    ({ overview: tabOverview, limits: tabLimits, ports: tabPorts, config: tabConfig, console: tabConsole, terminal: tabTerminal })[k]();
  }

  function tabOverview() {
    const mk = (title) => {
      const label = h("span", { class: "muted" });
      const canvas = h("canvas", { role: "img", "aria-label": `${title} over the last minutes` });
      body.lastChild.append(h("div", { class: "card chart" }, h("h3", {}, title, label), canvas));
      return [canvas, label];
    };
    body.append(h("div", { class: "charts" }));
    const [cpu, cpuLabel] = mk("CPU");
    const [mem, memLabel] = mk("Memory");
    const [pids, pidsLabel] = mk("Processes");
    charts = { cpu, mem, pids, cpuLabel, memLabel, pidsLabel };
    drawCharts();
    if (detail) {
      const s = detail.summary;
      const rows = [
        ["state", s.state], ["pid", s.pid || "–"], ["IPv4", (s.ipv4 || []).join(", ") || "–"],
        ["started", s.started_at ? new Date(s.started_at * 1000).toLocaleString() : "–"],
        ["autostart", s.autostart ? "yes" : "no"],
      ];
      if (s.exit) rows.push(["last exit", `code ${s.exit.code}${s.exit.signal ? ", signal " + s.exit.signal : ""}${s.exit.oom ? ", OOM" : ""}`]);
      body.append(h("div", { class: "card" }, h("h2", {}, "Details"),
        h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]))));
    }
  }

  // Client-side checks, the same grammar the library takes; the
  // library checks again (against this host's cgroups too).
  const SIZE_RE = /^(max|\d+(\.\d+)?[kKmMgGtT]?[bB]?)$/;
  function checkLimit(row, v) {
    if (v === "") return null;
    if (row.is_size) return SIZE_RE.test(v) ? null : "a size such as 256M, 1G or max";
    if (row.option === "cpus") return /^(max|\d+(\.\d{1,6})?)$/.test(v) ? null : "a number of CPUs such as 0.5, or max";
    if (row.option === "pids") return /^(max|\d+)$/.test(v) ? null : "a whole number, or max";
    if (row.option === "cpuset" || row.option === "mems") return /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v) ? null : "a list such as 0-1,3";
    if (/weight|shares/.test(row.option)) return /^\d+$/.test(v) ? null : "a whole number";
    return null;
  }

  function tabLimits() {
    limitsDirty = false;
    const lim = detail && detail.limits;
    if (!detail) { body.append(h("p", { class: "muted" }, "loading…")); load().then(() => { if (currentTab === "limits") showTab("limits"); }); return; }
    if (!lim) { body.append(h("p", { class: "error" }, "limits unavailable")); return; }
    const formErr = h("p", { class: "error", role: "alert" });
    const inputs = [];
    const rows = lim.limits.map((row) => {
      const id = `lim-${row.option}`;
      const input = h("input", { id, name: row.option, value: row.config ?? "", placeholder: "unset",
        "aria-describedby": `${id}-err`, oninput: () => { limitsDirty = true; validate(input, row); } });
      const fe = h("span", { class: "field-error", id: `${id}-err` });
      inputs.push([input, row, fe]);
      return h("tr", {},
        h("td", {}, h("label", { for: id }, row.option), h("div", { class: "muted" }, row.help)),
        h("td", {}, input, fe),
        h("td", { class: "kernel", "data-kernel": row.option }, lim.running ? (row.kernel ?? "–") + (row.is_size && /^\d+$/.test(row.kernel || "") ? ` (${bytes(row.kernel)})` : "") : "not running"));
    });
    function validate(input, row) {
      const why = checkLimit(row, input.value.trim());
      const fe = inputs.find((x) => x[0] === input)[2];
      fe.textContent = why ? `${row.option}: ${why}` : "";
      input.classList.toggle("invalid", !!why);
      return !why;
    }
    const save = h("button", { type: "submit", class: "primary" }, "Apply");
    const form = h("form", { class: "card limits", novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      formErr.textContent = "";
      const change = {};
      let ok = true;
      for (const [input, row] of inputs) {
        const v = input.value.trim();
        if (!validate(input, row)) ok = false;
        const was = row.config ?? "";
        if (v !== was) change[row.option] = v === "" ? "max" : v;
      }
      if (!ok) { formErr.textContent = "Fix the values marked above."; return; }
      if (!Object.keys(change).length) { formErr.textContent = "Nothing changed."; return; }
      save.disabled = true;
      try {
        const r = await api("PUT", `/containers/${enc(name)}/limits`, change);
        detail.limits = r;
        flash(`${name}: limits applied`);
        showTab("limits");
      } catch (e) {
        const hit = inputs.find(([, row]) => row.option === e.field);
        if (hit) { hit[2].textContent = e.message; hit[0].classList.add("invalid"); hit[0].focus(); }
        else formErr.textContent = e.message;
      } finally { save.disabled = false; }
    } },
      h("h2", {}, "Resource limits"),
      h("p", { class: "muted" }, "Applied to the running container at once and saved in its config, as taper limit does. Empty or max: no limit."),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Limit"), h("th", {}, "Config"), h("th", {}, "Kernel now"))), h("tbody", {}, rows)),
      formErr, h("div", { class: "toolbar" }, save));
    body.append(form);
  }

  function tabPorts() {
    const list = h("tbody");
    const perr = h("p", { class: "error", role: "alert" });
    const spec = h("input", { id: "port-spec", placeholder: "8080:80 or 127.0.0.1:8080:80/tcp", "aria-describedby": "port-err" });
    perr.id = "port-err";
    async function refresh() {
      const r = await api("GET", `/containers/${enc(name)}/ports`).catch((e) => { perr.textContent = e.message; return { ports: [] }; });
      list.replaceChildren(...r.ports.map((p) => h("tr", {},
        h("td", { class: "num" }, `${p.host_ip || "*"}:${p.host_port}`), h("td", { class: "num" }, `${p.container_port}/${p.proto}`),
        h("td", {}, p.active ? "active" : "inactive"),
        h("td", {}, h("button", { type: "button", onclick: async () => {
          try { await api("DELETE", `/containers/${enc(name)}/ports/${p.host_port}/${p.proto}`); refresh(); } catch (e) { perr.textContent = e.message; }
        } }, "Remove")))));
      if (!r.ports.length) list.append(h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No published port.")));
    }
    body.append(h("div", { class: "card" }, h("h2", {}, "Published ports"),
      h("table", {}, h("thead", {}, h("tr", {}, ["Host", "Container", "State", ""].map((t) => h("th", {}, t)))), list),
      h("form", { class: "toolbar", onsubmit: async (ev) => {
        ev.preventDefault();
        perr.textContent = "";
        if (!/^([\d.]+:)?\d+:\d+(\/(tcp|udp))?$/.test(spec.value.trim())) { perr.textContent = "spec: [HOSTIP:]HOSTPORT:PORT[/tcp|udp]"; spec.focus(); return; }
        try { await api("POST", `/containers/${enc(name)}/ports`, { spec: spec.value.trim() }); spec.value = ""; refresh(); } catch (e) { perr.textContent = e.message; spec.focus(); }
      } }, h("label", { for: "port-spec" }, "Publish"), spec, h("button", { type: "submit" }, "Add")), perr));
    refresh();
  }

  function tabConfig() {
    body.append(h("div", { class: "card" }, h("h2", {}, "Config"),
      h("p", { class: "muted" }, "The file as it is; change it with taper config NAME KEY VALUE."),
      h("pre", { tabindex: 0 }, detail ? detail.config_text || "" : "")));
  }

  function tabConsole() {
    const pre = h("pre", { tabindex: 0, "aria-label": "console output" }, "loading…");
    const cerr = h("p", { class: "error", role: "alert" });
    async function refresh() {
      cerr.textContent = "";
      try {
        const r = await fetch(`${API}/containers/${enc(name)}/console`, { credentials: "same-origin" });
        const text = await r.text();
        if (!r.ok) { pre.textContent = ""; cerr.textContent = JSON.parse(text).error; return; }
        pre.textContent = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
        pre.scrollTop = pre.scrollHeight;
      } catch (e) { cerr.textContent = e.message; }
    }
    body.append(h("div", { class: "card" }, h("h2", {}, "Console (recent output)"), cerr, pre,
      h("div", { class: "toolbar" }, h("button", { type: "button", onclick: refresh }, "Refresh"))));
    refresh();
  }

  function tabTerminal() {
    const el = h("div", { class: "term", id: "terminal" });
    const status = h("p", { class: "muted", role: "status" });
    const connect = h("button", { type: "button", class: "primary" }, "Connect");
    body.append(h("div", { class: "card" }, h("h2", {}, "Terminal"),
      h("p", { class: "muted" }, "A login shell inside, as taper attach -t. Esc then Tab leaves the terminal."),
      el, h("div", { class: "toolbar" }, connect, status)));
    const cols = Math.max(40, Math.min(160, Math.floor((el.clientWidth - 16) / 7.9)));
    const t = new Term(el, cols, 24);
    let ws = null;
    function open() {
      const proto = location.protocol === "https:" ? "wss" : "ws";
      ws = new WebSocket(`${proto}://${location.host}${API}/containers/${enc(name)}/terminal?cols=${t.cols}&rows=${t.rows}&csrf=${enc(state.csrf)}`);
      ws.binaryType = "arraybuffer";
      status.textContent = "connecting…";
      connect.disabled = true;
      ws.onopen = () => { status.textContent = "connected"; el.focus(); };
      ws.onmessage = (ev) => t.write(new Uint8Array(ev.data));
      ws.onclose = () => { status.textContent = "disconnected"; connect.disabled = false; };
      ws.onerror = () => { status.textContent = "could not connect (is the container running?)"; };
      t.onData = (s) => { if (ws && ws.readyState === 1) ws.send(new TextEncoder().encode(s)); };
    }
    connect.onclick = open;
    term = { close: () => { if (ws) ws.close(); } };
    if (detail && detail.summary.state === "RUNNING") open();
    else status.textContent = "the container is not running";
  }

  // The first tab once the detail is in, unless the user chose one.
  load().then(() => { if (!currentTab) showTab(location.hash.split("/")[3] || "overview"); });
  const redraw = setInterval(() => { if (charts) drawCharts(); }, 5000);
  const reload = setInterval(() => { if (currentTab === "overview") load(); }, 5000);
  stop.push(() => clearInterval(redraw), () => clearInterval(reload), () => { if (term) term.close(); });
  return () => stop.forEach((f) => f());
}

// ---- dialogs ----

function dialog(title, fields, okLabel, onOk) {
  const dlg = document.getElementById("dlg");
  const bodyEl = document.getElementById("dlg-body");
  const errEl = document.getElementById("dlg-error");
  const ok = document.getElementById("dlg-ok");
  document.getElementById("dlg-title").textContent = title;
  bodyEl.replaceChildren(...fields);
  errEl.textContent = "";
  ok.textContent = okLabel;
  ok.disabled = false;
  ok.className = /destroy/i.test(okLabel) ? "danger" : "primary";
  const form = document.getElementById("dlg-form");
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    errEl.textContent = "";
    bodyEl.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
    ok.disabled = true;
    try {
      if ((await onOk(errEl)) !== false) dlg.close();
    } catch (e) {
      const fe = e.field && bodyEl.querySelector(`[data-field-error="${e.field}"]`);
      if (fe) { fe.textContent = e.message; const inp = bodyEl.querySelector(`[name="${e.field}"]`); if (inp) inp.focus(); }
      else errEl.textContent = e.message;
    } finally { ok.disabled = false; }
  };
  document.getElementById("dlg-cancel").onclick = () => dlg.close();
  dlg.showModal();
  const first = bodyEl.querySelector("input, select");
  if (first) first.focus();
}

function field(label, name, attrs = {}) {
  const id = `f-${name}`;
  return [h("label", { for: id }, label), h("input", { type: "text", id, name, autocomplete: "off", "aria-describedby": `${id}-err`, ...attrs }),
    h("span", { class: "field-error", id: `${id}-err`, "data-field-error": name })];
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
function checkName(v, errEl) {
  if (NAME_RE.test(v)) return true;
  document.querySelector('[data-field-error="name"]').textContent =
    "name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 64";
  return false;
}

async function createDialog() {
  let templates = [];
  try { templates = (await api("GET", "/templates")).templates; } catch (e) { flash(e.message, true); return; }
  const sel = h("select", { id: "f-template", name: "template" }, templates.map((t) => h("option", { value: t.name }, `${t.name} — ${t.doc}`)));
  const optsBox = h("div");
  const progress = h("div", { class: "progress", hidden: true }, h("div"));
  const stage = h("p", { class: "muted", role: "status" });
  function showOpts() {
    const t = templates.find((x) => x.name === sel.value);
    optsBox.replaceChildren(...(t ? t.options : []).map((o) => o.arg
      ? field(`--${o.name} ${o.arg}${o.required ? " (required)" : ""}`, `opt-${o.name}`, { title: o.doc, "data-opt": o.name, required: o.required })
      : [h("label", { class: "check" }, h("input", { type: "checkbox", "data-opt": o.name, "data-flag": "1" }), ` --${o.name} `, h("span", { class: "muted" }, o.doc))]).flat());
  }
  sel.onchange = showOpts;
  showOpts();
  dialog("New container", [...field("Name", "name", { required: true }), h("label", { for: "f-template" }, "Template"), sel,
    h("span", { class: "field-error", "data-field-error": "template" }), optsBox,
    h("span", { class: "field-error", "data-field-error": "options" }), progress, stage], "Create", async () => {
    const name = document.getElementById("f-name").value.trim();
    if (!checkName(name)) return false;
    const options = [];
    for (const el of optsBox.querySelectorAll("[data-opt]")) {
      if (el.dataset.flag) { if (el.checked) options.push(`--${el.dataset.opt}`); }
      else if (el.value.trim()) options.push(`--${el.dataset.opt}`, el.value.trim());
    }
    const r = await api("POST", "/containers", { name, template: sel.value, options });
    progress.hidden = false;
    for (;;) {
      await new Promise((res) => setTimeout(res, 400));
      const j = await api("GET", `/jobs/${r.job}`);
      const p = j.progress;
      stage.textContent = p.stage ? `${p.stage}${p.total ? ` ${Math.round((100 * p.done) / p.total)}%` : ""}` : "working…";
      progress.firstChild.style.width = p.total ? `${(100 * p.done) / p.total}%` : "50%";
      if (j.state === "done") { flash(`${name} created`); refreshList(); location.hash = `#/c/${enc(name)}`; return true; }
      if (j.state === "failed") throw new ApiError(j.status || 500, { error: j.error });
    }
  });
}

function cloneDialog(src) {
  dialog(`Clone ${src}`, [...field("New name", "name", { required: true }),
    h("label", { class: "check" }, h("input", { type: "checkbox", id: "f-snapshot" }), " snapshot (an overlay on ", src, "'s rootfs, instant; ", src, " must stay)"),
    h("p", { class: "muted" }, `${src} must be stopped.`)], "Clone", async () => {
    const name = document.getElementById("f-name").value.trim();
    if (!checkName(name)) return false;
    await api("POST", `/containers/${enc(src)}/clone`, { name, snapshot: document.getElementById("f-snapshot").checked });
    flash(`${src} cloned to ${name}`);
    refreshList();
    location.hash = `#/c/${enc(name)}`;
  });
}

function renameDialog(src) {
  dialog(`Rename ${src}`, field("New name", "name", { required: true, value: src }), "Rename", async () => {
    const name = document.getElementById("f-name").value.trim();
    if (!checkName(name)) return false;
    await api("PATCH", `/containers/${enc(src)}`, { name });
    flash(`${src} renamed to ${name}`);
    location.hash = `#/c/${enc(name)}`;
  });
}

function destroyDialog(name, st) {
  dialog(`Destroy ${name}`, [h("p", {}, `This removes ${name} and its root filesystem for good.`),
    ...field(`Type ${name} to confirm`, "confirm", { required: true }),
    h("label", { class: "check" }, h("input", { type: "checkbox", id: "f-force", checked: st !== "STOPPED" }),
      " force (stop it first; also destroy a container that snapshots depend on)")], "Destroy", async () => {
    if (document.getElementById("f-confirm").value !== name) {
      document.querySelector('[data-field-error="confirm"]').textContent = `type ${name} exactly`;
      return false;
    }
    await fetchDelete(`/containers/${enc(name)}${document.getElementById("f-force").checked ? "?force=1" : ""}`);
    flash(`${name} destroyed`);
    location.hash = "#/";
  });
}

function fetchDelete(path) { return api("DELETE", path); }

// ---- routing ----

function route() {
  const main = document.getElementById("main");
  if (state.view) state.view();
  main.replaceChildren();
  const m = location.hash.match(/^#\/c\/([^/]+)/);
  state.view = m ? viewContainer(main, decodeURIComponent(m[1])) : viewOverview(main);
  document.title = m ? `${decodeURIComponent(m[1])} — taper` : "taper";
}

async function boot() {
  try {
    const s = await api("GET", "/session");
    state.csrf = s.csrf;
    document.getElementById("store").textContent = `${s.store} · taper ${s.version}`;
  } catch (e) { return; }
  document.getElementById("new-btn").onclick = createDialog;
  document.getElementById("logout-btn").onclick = async () => { await api("POST", "/logout").catch(() => {}); location.href = "/"; };
  window.addEventListener("hashchange", route);
  route();
}

document.addEventListener("DOMContentLoaded", boot);
