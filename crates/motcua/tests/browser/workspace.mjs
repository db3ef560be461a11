// A dossier's whole path through the pages in a real browser, JavaScript off:
//
//   node workspace.mjs BASE_URL ARTIFACT_DIR
//
// A citizen submits a birth registration online (first with mistakes, refused next to each
// field), the ward's desk officer signs in and accepts it, the specialist and the chairman
// complete their steps, the chairman issues the result, the desk returns it, and the citizen
// sees it returned on the tracking page. A second submission is refused by the desk with a
// reason the citizen reads. Then the officials' pages pass axe at a phone's width and are
// photographed at both widths.
import { args, audit, check, withBrowser } from "./lib.mjs";

const { base, artifacts } = args("node workspace.mjs BASE_URL ARTIFACT_DIR", ["base", "artifacts"]);

const DESK = "phuong-ben-thanh-mot-cua";
const SPECIALIST = "phuong-ben-thanh-tu-phap";
const LEADER = "phuong-ben-thanh-chu-tich";
const PASSWORD = "motcua-demo";

/** Moves the server's test clock (the server runs with `--test-clock`). */
async function at(now) {
  const r = await fetch(`${base}/api/test/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ now }),
  });
  if (r.status !== 204) throw new Error(`setting the clock to ${now}: ${r.status}`);
}

/** A fresh browser session without JavaScript, at a phone's width. */
async function session(browser) {
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  return [ctx, await ctx.newPage()];
}

/** The access key of the last submission. */
let lastKey = "";

/** Submits a birth registration online as a citizen; returns the dossier code. */
async function submitOnline(page, name, { withMistakes = false } = {}) {
  await page.goto(`${base}/thu-tuc/1.001193`);
  await page.getByRole("link", { name: "Nộp hồ sơ trực tuyến" }).click();
  await page.waitForURL(/\/nop-ho-so$/);
  if (withMistakes) {
    await page.getByRole("button", { name: "Nộp hồ sơ" }).click();
    check((await page.locator(".error-summary").innerText()).includes("Hãy chọn nơi nộp hồ sơ"), "an empty form lists its errors");
    check((await page.locator("#name-error").innerText()).includes("Hãy nhập họ và tên người nộp"), "the missing name is said next to its field");
    check((await page.locator("#phone-error").innerText()).includes("số điện thoại hoặc thư điện tử"), "a way to reach the applicant is asked for");
    check((await page.locator("#components-error").innerText()).includes("Giấy chứng sinh"), "the missing required documents are named");
    await page.getByLabel("Nơi nộp hồ sơ").selectOption("phuong-ben-thanh");
    await page.getByLabel("Họ và tên").fill("<script>alert(1)</script>");
    await page.getByLabel("Số điện thoại").fill("12345");
    await page.getByRole("button", { name: "Nộp hồ sơ" }).click();
    check((await page.locator("#name-error").innerText()).includes("Không được dùng ký tự"), "script in a name is refused");
    check((await page.locator("#phone-error").innerText()).includes("10 chữ số"), "a malformed phone is refused");
    check((await page.getByLabel("Nơi nộp hồ sơ").inputValue()) === "phuong-ben-thanh", "what was right is kept");
  } else {
    await page.getByLabel("Nơi nộp hồ sơ").selectOption("phuong-ben-thanh");
  }
  await page.getByLabel("Họ và tên").fill(name);
  await page.getByLabel("Số điện thoại").fill("0909 000 111");
  await page.getByLabel(/^Tờ khai đăng ký khai sinh/).check();
  await page.getByLabel(/^Giấy chứng sinh/).check();
  if (withMistakes) {
    // A file that is not a scan is refused next to its field; the right one is taken.
    await page.setInputFiles("#file-1", { name: "giay-chung-sinh.exe", mimeType: "application/pdf", buffer: Buffer.from("MZ not a pdf") });
    await page.getByRole("button", { name: "Nộp hồ sơ" }).click();
    check((await page.locator("#file-1-error").innerText()).includes("Chỉ nhận tệp PDF, JPEG hoặc PNG"), "a file that is not a PDF, JPEG or PNG is refused");
    await page.getByLabel("Họ và tên").fill(name);
    await page.getByLabel("Số điện thoại").fill("0909 000 111");
    await page.setInputFiles("#file-1", { name: "giay-chung-sinh.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% Giấy chứng sinh, bản quét\n") });
  }
  await page.getByRole("button", { name: "Nộp hồ sơ" }).click();
  await page.waitForSelector("#dossier-code");
  const code = (await page.locator("#dossier-code").innerText()).trim();
  check(/^H29\.01\.02-\d{6}-\d{4}$/.test(code), `the citizen gets the dossier code ${code}`);
  const key = (await page.locator("#access-key").innerText()).trim();
  check(key.length >= 40, "and the access key, once");
  lastKey = key;
  return code;
}

/** Signs in at the sign-in page the workspace sends to, and opens the dossier. */
async function signIn(page, username, code) {
  await page.goto(`${base}/can-bo/ho-so/${code}`);
  await page.waitForURL(/\/dang-nhap\?tiep=/);
  await page.getByLabel("Tên đăng nhập").fill(username);
  await page.getByLabel("Mật khẩu").fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL(new RegExp(`/can-bo/ho-so/${code.replace(/\./g, "\\.")}$`));
  check((await page.locator("h1").innerText()).includes(code), `${username} signs in and lands on the dossier`);
}

/** Clicks an action's button and waits for the page to say it was done. */
async function act(page, button, done) {
  await page.getByRole("button", { name: button }).click();
  await page.waitForSelector(".notice");
  check((await page.locator(".notice").innerText()).includes(done), `“${button}” → ${done}`);
}

await withBrowser(artifacts, async (browser) => {
  const [citizenCtx, citizen] = await session(browser);
  const code = await submitOnline(citizen, "Lê Thị Thu Hà", { withMistakes: true });
  const firstKey = lastKey;

  // The desk: the sign-in form first (a wrong password is refused), then the queue.
  const [deskCtx, desk] = await session(browser);
  await desk.goto(`${base}/can-bo`);
  await desk.waitForURL(/\/dang-nhap/);
  await desk.getByLabel("Tên đăng nhập").fill(DESK);
  await desk.getByLabel("Mật khẩu").fill("sai-mat-khau");
  await desk.getByRole("button", { name: "Đăng nhập" }).click();
  check((await desk.locator(".error-summary").innerText()).includes("không đúng"), "a wrong password is refused");
  await desk.getByLabel("Mật khẩu").fill(PASSWORD);
  await desk.getByRole("button", { name: "Đăng nhập" }).click();
  await desk.waitForURL(/\/can-bo$/);
  const row = desk.locator("tr", { hasText: code });
  check(await row.isVisible(), "the submission waits in the desk's queue");
  check((await row.innerText()).includes("Sắp đến hạn") || (await row.innerText()).includes("Trong hạn"), "with its 8-working-hour deadline coloured");
  await row.getByRole("link", { name: code }).click();
  check((await desk.locator(".facts").innerText()).includes("Hạn tiếp nhận (8 giờ làm việc)"), "the dossier shows the acceptance deadline");
  const scan = desk.getByRole("link", { name: "giay-chung-sinh.pdf" });
  const scanAnswer = await deskCtx.request.get(new URL(await scan.getAttribute("href"), base).href);
  check(scanAnswer.ok() && (await scanAnswer.text()).startsWith("%PDF-1.4"), "the desk opens the citizen's uploaded scan");
  await at("2026-03-02T07:45:00+07:00");
  await act(desk, "Tiếp nhận", "Đã tiếp nhận hồ sơ");
  check((await desk.locator(".facts").innerText()).includes("Ngày hẹn trả kết quả"), "receipt sets the appointment");
  check((await desk.locator(".facts").innerText()).includes("8 giờ làm việc kể từ khi tiếp nhận lúc 07:45 ngày 02/03/2026, đến hạn lúc"), "and explains how it was computed");
  const receipt = desk.getByRole("link", { name: /^Mẫu số 01/ });
  const answer = await deskCtx.request.get(new URL(await receipt.getAttribute("href"), base).href);
  check(answer.ok() && answer.headers()["content-type"] === "application/pdf", "the receipt (form 01) downloads as PDF");
  await at("2026-03-02T08:10:00+07:00");
  // The desk hands it to the ward's civil-status officer by name.
  await desk.getByLabel("Chuyển đến").selectOption({ label: "Kiểm tra hồ sơ, ghi Sổ hộ tịch, trình ký — Lý Văn Hậu" });
  await act(desk, "Hoàn thành và chuyển", "Đã hoàn thành bước");
  check((await desk.locator("table.sheet").innerText()).includes("Lý Văn Hậu"), "the control sheet names the assignee");

  // The specialist, then the chairman, complete their steps; the chairman issues the result.
  const [specialistCtx, specialist] = await session(browser);
  await signIn(specialist, SPECIALIST, code);
  // The rarer actions are folded; opened, sending back needs a step and a reason.
  const back = specialist.getByRole("button", { name: "Trả lại", exact: true });
  check(!(await back.isVisible()), "sending back is folded under other actions");
  await specialist.locator("details.more > summary").click();
  check(await back.isVisible(), "and shown when opened");
  check((await specialist.getByLabel("Trả về bước").innerText()).includes("Tiếp nhận, số hóa và chuyển hồ sơ"), "back to the step already passed");
  await at("2026-03-02T10:00:00+07:00");
  await act(specialist, "Hoàn thành và chuyển", "Đã hoàn thành bước");
  const [leaderCtx, leader] = await session(browser);
  await signIn(leader, LEADER, code);
  await at("2026-03-02T11:00:00+07:00");
  await act(leader, "Hoàn thành và chuyển", "Đã hoàn thành bước");
  await leader.getByLabel("Số văn bản kết quả (nếu có)").fill("12/2026/KS");
  await leader.setInputFiles("#file-0", { name: "giay-khai-sinh-12-2026.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% Giấy khai sinh, bản điện tử đã ký số\n") });
  await act(leader, "Ký duyệt và ban hành", "Đã ban hành kết quả");
  check(await leader.getByRole("link", { name: "giay-khai-sinh-12-2026.pdf" }).isVisible(), "the result document is on the dossier");
  const sheet = await leader.locator("table.sheet").innerText();
  check(sheet.includes("Tiếp nhận, số hóa") && sheet.includes("Kiểm tra hồ sơ") && sheet.includes("Ký Giấy khai sinh"), "the control sheet lists every step");
  check(sheet.includes("08:10 ngày 02/03/2026") && sheet.includes("10:00 ngày 02/03/2026") && sheet.includes("11:00 ngày 02/03/2026"), "each hand-over to the minute");
  check(sheet.includes("Võ Thị Hồng") && sheet.includes("Lý Văn Hậu") && sheet.includes("Huỳnh Tấn Phát"), "with who completed each step");
  check((await leader.locator(".timeline").innerText()).includes("Nộp hồ sơ trực tuyến — Người nộp hồ sơ"), "the log names the applicant as the submitter");

  // The desk returns the result; the citizen sees it.
  await desk.goto(`${base}/can-bo?loai=tra-ket-qua`);
  await desk.locator("tr", { hasText: code }).getByRole("link", { name: code }).click();
  await at("2026-03-02T14:00:00+07:00");
  await desk.getByLabel("Hình thức trả").selectOption("online");
  await act(desk, "Đã trả kết quả", "Đã trả kết quả");
  await citizen.goto(`${base}/tra-cuu?ma=${encodeURIComponent(code)}`);
  const tracked = await citizen.locator("#result").locator("..").innerText();
  check(tracked.includes("Đã trả kết quả"), "the citizen sees the result returned");
  check(!tracked.includes("Võ Thị Hồng"), "without the officials' names");
  // The citizen downloads the electronic result with the secret key.
  const result = await citizenCtx.request.post(`${base}/tra-cuu/giay-to`, { form: { ma: code, khoa: firstKey, mau: "kq" } });
  check(result.ok() && (await result.text()).includes("bản điện tử đã ký số"), "the citizen downloads the signed result");
  const wrong = await citizenCtx.request.post(`${base}/tra-cuu/giay-to`, { form: { ma: code, khoa: "sai", mau: "kq" } });
  check(wrong.status() === 403, "not without the key");

  // A refusal: its reason reaches the citizen.
  const refused = await submitOnline(citizen, "Đặng Văn Sơn");
  await desk.goto(`${base}/can-bo/ho-so/${refused}`);
  await desk.getByRole("button", { name: "Từ chối hồ sơ" }).click();
  check((await desk.locator(".error-summary").innerText()).includes("Hãy ghi rõ lý do từ chối"), "a refusal without a reason is not sent");
  await desk.getByLabel("Lý do từ chối (mẫu 03)").fill("Người yêu cầu không thuộc thẩm quyền đăng ký của phường");
  await act(desk, "Từ chối hồ sơ", "Đã từ chối hồ sơ");
  await citizen.goto(`${base}/tra-cuu?ma=${encodeURIComponent(refused)}`);
  check((await citizen.locator("body").innerText()).includes("không thuộc thẩm quyền"), "the citizen reads why it was refused");

  // A supplement request answered online, once and completely, with a scan.
  const incomplete = await submitOnline(citizen, "Phan Thị Yến");
  const incompleteKey = lastKey;
  await desk.goto(`${base}/can-bo/ho-so/${incomplete}`);
  await desk.getByLabel("Giấy tờ cần bổ sung (mỗi dòng một giấy tờ)").fill("Giấy chứng sinh bản chính");
  await act(desk, "Gửi yêu cầu bổ sung", "Đã gửi yêu cầu bổ sung");
  await audit(browser, base, artifacts, [["supplement-answer", `/tra-cuu?ma=${encodeURIComponent(incomplete)}`]]);
  await citizen.goto(`${base}/tra-cuu?ma=${encodeURIComponent(incomplete)}`);
  await citizen.getByRole("button", { name: "Gửi hồ sơ bổ sung" }).click();
  check((await citizen.locator("#file-0-error").innerText()).includes("Hãy đính kèm tệp cho: Giấy chứng sinh bản chính"), "an incomplete supplement is refused next to the missing item");
  await citizen.setInputFiles("#file-0", { name: "ban-chinh.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% bản chính\n") });
  await citizen.getByLabel("Mã bí mật của hồ sơ").first().fill(incompleteKey);
  await citizen.getByRole("button", { name: "Gửi hồ sơ bổ sung" }).click();
  await citizen.waitForURL(/xong=bo-sung/);
  check((await citizen.locator(".notice").innerText()).includes("Đã gửi hồ sơ bổ sung"), "the citizen answers the supplement request online");
  check((await citizen.getByRole("button", { name: "Gửi hồ sơ bổ sung" }).count()) === 0, "and cannot answer it twice");
  await desk.goto(`${base}/can-bo/ho-so/${incomplete}`);
  check((await desk.locator(".timeline").innerText()).includes("Nhận hồ sơ bổ sung — Người nộp hồ sơ"), "the desk sees the supplement in the log");
  check(await desk.getByRole("link", { name: "ban-chinh.pdf" }).isVisible(), "with its file");
  await act(desk, "Tiếp nhận", "Đã tiếp nhận hồ sơ");

  // A walk-in: the desk finds the procedure, checks the documents one by one, scans one;
  // one is missing, so the dossier goes back for a supplement (form 02); the applicant
  // returns with it and the desk receives (form 01).
  await desk.getByRole("navigation", { name: "Chức năng chính" }).getByRole("link", { name: "Tiếp nhận hồ sơ" }).click();
  await desk.getByLabel("Tìm thủ tục cần tiếp nhận").fill("dang ky khai sinh");
  await desk.getByRole("button", { name: "Tìm" }).click();
  await desk.getByRole("link", { name: "Đăng ký khai sinh", exact: true }).click();
  await desk.getByLabel("Họ và tên").fill("Đỗ Văn Hải");
  await desk.getByLabel(/^Tờ khai đăng ký khai sinh/).check();
  await desk.setInputFiles("#file-0", { name: "to-khai.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% tờ khai\n") });
  await desk.getByRole("button", { name: "Tiếp nhận, hẹn trả kết quả (mẫu 01)" }).click();
  check((await desk.locator("#components-error").innerText()).includes("Còn thiếu giấy tờ bắt buộc: Giấy chứng sinh"), "a walk-in missing a required document cannot be received");
  await desk.setInputFiles("#file-0", { name: "to-khai.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% tờ khai\n") });
  await desk.getByRole("button", { name: "Yêu cầu bổ sung (mẫu 02)" }).click();
  await desk.waitForSelector(".notice");
  check((await desk.locator(".notice").innerText()).includes("Đã gửi yêu cầu bổ sung"), "the walk-in goes back for a supplement");
  check(await desk.getByRole("link", { name: /^Mẫu số 02/ }).isVisible(), "with form 02 to print");
  check(await desk.getByRole("link", { name: "to-khai.pdf" }).isVisible(), "the scan is in the dossier");
  await act(desk, "Đã nhận đủ giấy tờ bổ sung", "Đã nhận hồ sơ bổ sung");
  await act(desk, "Tiếp nhận", "Đã tiếp nhận hồ sơ");
  check(await desk.getByRole("link", { name: /^Mẫu số 01/ }).isVisible(), "then form 01 with the appointment");

  // Signing out ends the session.
  const cookies = await deskCtx.cookies();
  await desk.getByRole("button", { name: "Đăng xuất" }).click();
  await desk.goto(`${base}/can-bo`);
  check(desk.url().includes("/dang-nhap"), "after signing out the workspace asks to sign in again");

  // The officials' pages, signed in as the chairman.
  const leaderCookies = await leaderCtx.cookies();
  await audit(browser, base, artifacts, [
    ["submit", "/thu-tuc/1.001193/nop-ho-so"],
    ["sign-in", "/dang-nhap"],
    ["inbox", "/can-bo?loai=dang-xu-ly"],
    ["results-queue", "/can-bo?loai=tra-ket-qua"],
    ["dossier", `/can-bo/ho-so/${code}`],
    ["dossier-in-progress", `/can-bo/ho-so/${incomplete}`],
    ["receipt-search", "/can-bo/tiep-nhan?q=khai+sinh"],
    ["receipt", "/can-bo/tiep-nhan?thu-tuc=1.001193"],
  ], leaderCookies);

  const [adminCtx, admin] = await session(browser);
  await admin.goto(`${base}/dang-nhap`);
  await admin.getByLabel("Tên đăng nhập").fill("admin");
  await admin.getByLabel("Mật khẩu").fill(PASSWORD);
  await admin.getByRole("button", { name: "Đăng nhập" }).click();
  await admin.waitForURL(/\/can-bo$/);
  await audit(browser, base, artifacts, [
    ["admin-units", "/can-bo/quan-tri?muc=don-vi"],
    ["admin-officials", "/can-bo/quan-tri?muc=can-bo"],
    ["admin-calendar", "/can-bo/quan-tri?muc=lich"],
    ["admin-processes", "/can-bo/quan-tri?muc=quy-trinh"],
  ], await adminCtx.cookies());
  for (const c of [citizenCtx, deskCtx, specialistCtx, leaderCtx, adminCtx]) await c.close();
  check(cookies.some((c) => c.name === "motcua_session" && c.httpOnly), "the session cookie is HttpOnly");
});
