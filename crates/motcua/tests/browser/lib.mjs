// What the browser scripts share: launching Debian's Chromium, one line per check, and the
// accessibility and layout checks with a screenshot of a page at a phone's and a desktop's
// width.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Fails the script with `what` unless `ok`. */
export function check(ok, what) {
  if (!ok) throw new Error(`failed: ${what}`);
  console.log(`ok: ${what}`);
}

/** The script's arguments by name, or the usage line and exit status 2. */
export function args(usage, names) {
  const values = process.argv.slice(2);
  if (values.length !== names.length || values.some((v) => !v)) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/** Runs `body(browser)` with Chromium, closing it whatever happens. */
export async function withBrowser(artifacts, body) {
  mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    await body(browser);
  } finally {
    await browser.close();
  }
  console.log("all browser checks passed");
}

/**
 * Screenshots of each `[name, path]` at 390 and 1280 px wide, no horizontal scrolling at
 * either, and axe-core's WCAG 2.1 A/AA rules at the phone's width with no serious or
 * critical violation. `cookies` are set first (a signed-in official's session).
 */
export async function audit(browser, base, artifacts, pages, cookies = []) {
  for (const [width, label] of [[390, "phone"], [1280, "desktop"]]) {
    // axe is injected as an inline script, which the pages' policy forbids: bypass it here.
    const ctx = await browser.newContext({ bypassCSP: true, viewport: { width, height: 900 } });
    if (cookies.length) await ctx.addCookies(cookies);
    const p = await ctx.newPage();
    for (const [name, path] of pages) {
      await p.goto(`${base}${path}`);
      await p.screenshot({ path: `${artifacts}/${name}-${label}.png`, fullPage: true });
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      check(!overflow, `${name} at ${width}px has no horizontal scrolling`);
      if (label !== "phone") continue;
      await p.addScriptTag({ content: axeSource });
      const result = await p.evaluate(async () =>
        // eslint-disable-next-line no-undef
        await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
      const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      for (const v of result.violations) {
        console.log(`  axe ${v.impact}: ${v.id} — ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
      }
      check(serious.length === 0, `${name}: no serious or critical axe violations (${result.passes.length} rules pass)`);
    }
    await ctx.close();
  }
}
