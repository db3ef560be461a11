// The citizens' portal in a real browser: Debian's Chromium driven by Playwright.
//
//   node portal.mjs BASE_URL DOSSIER_CODE ARTIFACT_DIR
//
// Walks the citizen's paths with JavaScript off (they must work without it), checks the
// keyboard order, runs axe-core on every main page, and saves screenshots of each at a
// phone's and a desktop's width. Prints one line per check; exits non-zero on the first
// failure, with the reason.
import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const [base, code, artifacts] = process.argv.slice(2);
if (!base || !code || !artifacts) {
  console.error("usage: node portal.mjs BASE_URL DOSSIER_CODE ARTIFACT_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

function check(ok, what) {
  if (!ok) throw new Error(`failed: ${what}`);
  console.log(`ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  // ----- The citizen's paths without JavaScript ------------------------------------------
  const plain = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await plain.newPage();
  await page.goto(`${base}/`);
  check((await page.locator("html").getAttribute("lang")) === "vi", "the home page is in Vietnamese");
  // The first Tab reaches the skip link, which leads to the main content.
  await page.keyboard.press("Tab");
  check((await page.evaluate(() => document.activeElement?.className)) === "skip", "Tab first reaches the skip link");
  await page.getByLabel("Tên thủ tục hoặc từ khóa (gõ có dấu hoặc không dấu)").fill("dang ky khai sinh");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/thu-tuc\?q=/);
  check(await page.getByRole("link", { name: "Đăng ký khai sinh", exact: true }).isVisible(), "a search without diacritics finds Đăng ký khai sinh");
  await page.getByRole("link", { name: "Đăng ký khai sinh", exact: true }).click();
  await page.waitForURL(/\/thu-tuc\/1\.001193$/);
  check((await page.locator("h1").innerText()) === "Đăng ký khai sinh", "the procedure page opens from the results");
  check((await page.locator("body").innerText()).includes("8 giờ làm việc"), "the time limit is spelled out");
  await page.getByRole("link", { name: "Tra cứu hồ sơ" }).first().click();
  await page.getByLabel("Mã hồ sơ").fill(code);
  await page.getByRole("button", { name: "Tra cứu" }).click();
  await page.waitForURL(/\/tra-cuu\?ma=/);
  check((await page.locator("#result").innerText()).includes(code), "tracking by code shows the dossier");
  check(await page.getByText("Đã nộp hồ sơ").isVisible(), "the public history is listed");
  await page.getByLabel("Mã hồ sơ").fill("sai-ma");
  await page.getByRole("button", { name: "Tra cứu" }).click();
  await page.waitForURL(/ma=sai-ma/);
  check((await page.locator("#ma-error").innerText()).includes("Mã hồ sơ không đúng định dạng"), "a malformed code is refused next to the field");
  check((await page.locator("#ma").getAttribute("aria-invalid")) === "true", "the field is marked invalid");
  await page.getByRole("link", { name: "English" }).click();
  check((await page.locator("h1").innerText()) === "Track a dossier", "the English switch keeps the page");
  await plain.close();

  // ----- Accessibility and screenshots of each main page ----------------------------------
  const pages = [
    ["home", "/"],
    ["catalog", "/thu-tuc?q=dang+ky"],
    ["procedure", "/thu-tuc/1.004222"],
    ["tracking", `/tra-cuu?ma=${encodeURIComponent(code)}`],
    ["tracking-error", "/tra-cuu?ma=sai-ma"],
    ["home-en", "/?lang=en"],
  ];
  for (const [width, label] of [[390, "phone"], [1280, "desktop"]]) {
    // axe is injected as an inline script, which the pages' policy forbids: bypass it here.
    const ctx = await browser.newContext({ bypassCSP: true, viewport: { width, height: 900 } });
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
} finally {
  await browser.close();
}
console.log("all browser checks passed");
