// End-to-end: Debian's chromium, driven by playwright-core, uses the panel
// of a real `taper web` on a loopback port over a store of its own.
// TAPER names the binary (default build/taper); TAPER_WEB_SHOTS=DIR keeps
// screenshots of the overview and of a container page there (docs/img).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TAPER = process.env.TAPER || join(ROOT, "build", "taper");
const SHOTS = process.env.TAPER_WEB_SHOTS;
const NAME = "e2e-box";

let dir, store, server, url, browser, page, serverExit;

function taper(...args) {
  return execFileSync(TAPER, ["--path", store, ...args], { encoding: "utf8", timeout: 120000 });
}

// The store module's id: FNV-1a-64 of the canonical path.
function storeId(path) {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(realpathSync(path))) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

function memoryLimit(name) {
  const base = `/sys/fs/cgroup/memory/taper/${storeId(store)}/${name}/memory.limit_in_bytes`;
  const v2 = `/sys/fs/cgroup/taper/${storeId(store)}/${name}/memory.max`;
  return readFileSync(existsSync(base) ? base : v2, "utf8").trim();
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function badge(name) {
  return page.locator(`tr[data-name="${name}"] .badge`);
}

// The page's CSP forbids eval, so no waitForFunction: locators only.
function rowState(name, st) {
  return page.locator(`tr[data-name="${name}"] .badge`, { hasText: new RegExp(`^${st}$`) }).waitFor({ timeout: 30000 });
}

function button(name) {
  return page.getByRole("button", { name, exact: true });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "taper-web-e2e-"));
  store = join(dir, "store");
  taper("create", NAME, "-t", "busybox");
  taper("start", NAME);
  if (SHOTS) {
    for (const n of ["api-1", "cache", "db", "worker-7"]) taper("create", n, "-t", "busybox");
    taper("start", "api-1");
    taper("start", "db");
    taper("start", "cache");
    taper("freeze", "cache");
    taper("limit", "db", "--memory", "128M");
  }
  const port = await freePort();
  server = spawn(TAPER, ["--path", store, "web", "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/Log in at (\S+)/);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`taper web exited ${code}`)));
  });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  page.on("pageerror", (e) => { throw e; });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    // A clean stop, even with a terminal just closed: status 0, and under
    // ASan no leak report (which makes the status non-zero).
    const exited = server.exitCode !== null || server.signalCode !== null
      ? Promise.resolve({ code: server.exitCode, sig: server.signalCode })
      : new Promise((resolve) => server.once("exit", (code, sig) => resolve({ code, sig })));
    server.kill("SIGTERM");
    const { code, sig } = await exited;
    serverExit = { code, sig };
  }
  if (store) {
    for (const n of ["cache", NAME, "api-1", "db", "worker-7"]) {
      try { taper("stop", "-k", n); } catch (e) { /* not running, or not there */ }
    }
  }
  if (store) rmSync(`/run/taper/${storeId(store)}`, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (serverExit) assert.deepEqual(serverExit, { code: 0, sig: null }, "taper web stops cleanly on SIGTERM");
});

test("log in with the URL and see the container", async () => {
  await page.goto(url);
  assert.equal(new URL(page.url()).search, "", "the token leaves the address bar");
  await page.locator(`tr[data-name="${NAME}"]`).waitFor();
  assert.equal(await (await badge(NAME)).textContent(), "RUNNING");
  if (SHOTS) {
    await page.waitForTimeout(9000); // a few sparkline samples
    await page.screenshot({ path: join(SHOTS, "overview.png") });
  }
});

test("stop and start it from the overview", async () => {
  const row = page.locator(`tr[data-name="${NAME}"]`);
  await row.getByRole("button", { name: `Stop ${NAME}`, exact: true }).click();
  await rowState(NAME, "STOPPED");
  assert.match(taper("info", NAME, "--format", "json"), /"state": "STOPPED"/);
  await row.getByRole("button", { name: `Start ${NAME}`, exact: true }).click();
  await rowState(NAME, "RUNNING");
  assert.match(taper("info", NAME, "--format", "json"), /"state": "RUNNING"/);
});

test("change the memory limit and find it in the cgroup", async () => {
  await page.getByRole("link", { name: NAME }).click();
  await page.locator("#tab-limits").click();
  const input = page.locator("#lim-memory");
  await input.fill("12Q");
  await button("Apply").click();
  assert.match(await page.locator("#lim-memory-err").textContent(), /a size such as/);
  await input.fill("48M");
  await button("Apply").click();
  await page.locator('[data-kernel="memory"]', { hasText: String(48 << 20) }).waitFor();
  assert.equal(memoryLimit(NAME), String(48 << 20));
});

test("freeze and unfreeze it", async () => {
  await button(`Freeze ${NAME}`).click();
  await page.locator(".head .badge", { hasText: "FROZEN" }).waitFor({ timeout: 20000 });
  assert.match(taper("info", NAME, "--format", "json"), /"state": "FROZEN"/);
  await button(`Unfreeze ${NAME}`).click();
  await page.locator(".head .badge", { hasText: "RUNNING" }).waitFor({ timeout: 20000 });
  assert.match(taper("info", NAME, "--format", "json"), /"state": "RUNNING"/);
});

test("type hostname in the terminal and read the name back", async () => {
  await page.locator("#tab-terminal").click();
  await page.locator("[role=status]", { hasText: /^connected$/ }).waitFor();
  await page.locator("#terminal").click();
  await page.keyboard.type("hostname\n");
  await page.locator("#terminal .term-line", { hasText: new RegExp(`^${NAME}\\s*$`) }).waitFor({ timeout: 15000 });
  if (SHOTS) {
    await page.keyboard.type("ps\n");
    await page.waitForTimeout(500);
    await page.locator("#tab-overview").click();
    await page.waitForTimeout(8000);
    await page.screenshot({ path: join(SHOTS, "container.png") });
  }
});
