// The citizens' portal in a real browser: Debian's Chromium driven by Playwright.
//
//   node portal.mjs BASE_URL DOSSIER_CODE ARTIFACT_DIR
//
// Walks the citizen's paths with JavaScript off (they must work without it), checks the
// keyboard order, runs axe-core on every main page, and saves screenshots of each at a
// phone's and a desktop's width. Prints one line per check; exits non-zero on the first
// failure, with the reason.
import { args, audit, check, withBrowser } from "./lib.mjs";

const { base, code, artifacts } = args("node portal.mjs BASE_URL DOSSIER_CODE ARTIFACT_DIR", ["base", "code", "artifacts"]);

await withBrowser(artifacts, async (browser) => {
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
  await audit(browser, base, artifacts, [
    ["home", "/"],
    ["catalog", "/thu-tuc?q=dang+ky"],
    ["procedure", "/thu-tuc/1.004222"],
    ["tracking", `/tra-cuu?ma=${encodeURIComponent(code)}`],
    ["tracking-error", "/tra-cuu?ma=sai-ma"],
    ["home-en", "/?lang=en"],
  ]);
});
