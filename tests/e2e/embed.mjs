// End-to-end tests of issue #8 (run by e2e.mjs): the site served under a sub-path, its
// Content-Security-Policy, embeds on another origin (two <kafka-playground> web components and one
// plain iframe) driven by clicks and by postMessage, their events, share-link round trips,
// tampered links and hostile text with visible reasons, offline after the first load, "Copy embed
// code", and screenshots of the embed docs page (desktop + phone) and of each widget.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const T = 20_000;
const byId = (id) => `[data-testid="${id}"]`;
const SUB = '/some/sub/path/';

/** The docs page of a team that embeds the playground (another origin than the playground). */
function hostPage(site, hostOrigin) {
  const iframeSrc = `${site}?embed=cluster&scenario=payments&readonly=1&id=w3&origin=${encodeURIComponent(hostOrigin)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Team docs: our Kafka settings</title>
<link rel="icon" href="data:,">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:0 auto;padding:16px}</style>
<script>
  window.events = [];
  window.addEventListener('message', (e) => {
    if (e.data && e.data.source === 'kafka-playground') window.events.push(Object.assign({ origin: e.origin }, e.data));
  });
</script>
<script src="${site}embed.js"></script>
</head><body>
<h1>Why we run acks=all with min.insync.replicas=2</h1>
<kafka-playground id="w1" widget="producer" scenario="payments"
  controls="acks,min.insync.replicas,produce,crash_broker,restart_broker,time"></kafka-playground>
<h2>Our consumer groups</h2>
<kafka-playground id="w2" widget="group" scenario="groups" controls="produce,time"></kafka-playground>
<h2>The cluster (read-only iframe)</h2>
<iframe id="w3" src="${iframeSrc}" title="Kafka Playground: the cluster, read-only" loading="lazy" style="width:100%;height:940px;border:0"></iframe>
</body></html>`;
}

export async function embedTests({ context, test, assert, ARTIFACTS, DIST, serve }) {
  const site = await serve(DIST, 0, SUB);
  const SITE = site.url;
  const siteOrigin = new URL(SITE).origin;
  const hostDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kplay-host-'));
  const host = await serve(hostDir);
  const hostOrigin = new URL(host.url).origin;
  await fs.writeFile(path.join(hostDir, 'index.html'), hostPage(SITE, hostOrigin));

  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(t)) problems.push(t);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const events = () => page.evaluate(() => window.events);
  const waitEvent = (pred, what) =>
    page.waitForFunction(pred, null, { timeout: T }).catch(async () => {
      throw new Error(`no ${what}; events: ${JSON.stringify((await events()) ?? []).slice(0, 1500)}`);
    });

  /**
   * A full-page screenshot of the host page in which every widget is really drawn. Chromium does
   * not paint cross-origin (out-of-process) iframes that lie outside the viewport when it captures
   * beyond it (`fullPage`): they are render-throttled, so they came out blank although they ran
   * and answered (2 of the 3 widgets, whichever were off screen). So the viewport is made as tall
   * as the page first, each widget must show its bar, logo and brokers and have painted two
   * animation frames (which a throttled frame does not), and each widget's area of the captured
   * page must not be blank (a blank 1100 × 700 area is a ~4 KB PNG, a drawn widget ~100 KB).
   */
  const shootHostPage = async (file) => {
    const viewport = page.viewportSize();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: viewport.width, height });
    try {
      await page.evaluate(() => window.scrollTo(0, 0));
      const widgets = [['w1', '#w1 iframe'], ['w2', '#w2 iframe'], ['w3', '#w3']];
      for (const [, sel] of widgets) {
        const frame = page.frameLocator(sel);
        for (const inner of [byId('embed'), '.embed-logo svg', byId('broker-1')]) {
          await frame.locator(inner).first().waitFor({ state: 'visible', timeout: T });
        }
        await frame.locator('body').evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
      }
      await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
      for (const [id, sel] of widgets) {
        const clip = await page.locator(sel).evaluate((f) => {
          const r = f.getBoundingClientRect();
          return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: Math.min(r.height, 700) };
        });
        const png = await page.screenshot({ fullPage: true, clip });
        assert(png.length > 20_000, `${id} is blank in the page screenshot (${png.length} bytes of PNG)`);
      }
    } finally {
      await page.setViewportSize(viewport);
    }
  };

  try {
    await test('embed: dist/ served under /some/sub/path/ boots with relative assets, a CSP and no eval', async () => {
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(SITE);
      await page.waitForSelector(byId('broker-3'), { timeout: T });
      const outside = requests.filter((u) => u.startsWith(siteOrigin) && !u.startsWith(siteOrigin + SUB));
      assert(outside.length === 0, `requests outside the sub-path: ${outside.join(', ')}`);
      const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      assert(csp && csp.includes("'wasm-unsafe-eval'"), `CSP without wasm-unsafe-eval: ${csp}`);
      assert(!/'unsafe-eval'/.test(csp) && !/script-src[^;]*'unsafe-inline'/.test(csp), `CSP too loose: ${csp}`);
      const violations = await page.evaluate(() => window.__csp);
      assert(violations.length === 0, `CSP violations: ${violations.join('; ')}`);
      for (const f of await fs.readdir(DIST)) {
        if (!f.endsWith('.js')) continue;
        const js = await fs.readFile(path.join(DIST, f), 'utf8');
        const hit = js.match(/\beval\s*\(|new\s+Function\s*\(|[^.\w]Function\s*\(\s*["'`]/);
        assert(!hit, `${f} uses eval-like code: ${hit && hit[0]}`);
      }
    });

    await test('embed: a host page on another origin embeds two web components and one iframe; all report ready', async () => {
      await page.goto(host.url);
      for (const id of ['w1', 'w2', 'w3']) {
        await page.locator(`#${id}`).scrollIntoViewIfNeeded();
        await waitEvent(new Function(`return (window.events||[]).some((e) => e.id === '${id}' && e.type === 'ready')`), `ready from ${id}`);
      }
      const evs = await events();
      assert(evs.every((e) => e.origin === siteOrigin && e.version === 1), `origins/versions: ${JSON.stringify(evs.slice(0, 3))}`);
      const ready1 = evs.find((e) => e.id === 'w1' && e.type === 'ready');
      assert(ready1.widget === 'producer' && ready1.scenario === 'payments', JSON.stringify(ready1));
      // Accessible iframes: titled, lazily loaded, never aria-hidden.
      const frames = await page.evaluate(() => [...document.querySelectorAll('iframe')].map((f) => ({
        title: f.title, loading: f.getAttribute('loading'), hidden: !!f.closest('[aria-hidden="true"]'), h: f.style.height,
      })));
      assert(frames.length === 3, `3 iframes, got ${frames.length}`);
      for (const f of frames) assert(f.title.length > 10 && f.loading === 'lazy' && !f.hidden, JSON.stringify(f));
      // Responsive height: the web components follow the widgets' resize messages.
      await waitEvent(() => (window.events || []).some((e) => e.id === 'w1' && e.type === 'resize'), 'resize from w1');
      const h1 = await page.evaluate(() => document.querySelector('#w1 iframe').style.height);
      const resized = (await events()).filter((e) => e.id === 'w1' && e.type === 'resize').pop();
      assert(h1 === `${Math.max(160, Math.ceil(resized.height))}px`, `w1 height ${h1} vs resize ${resized.height}`);
    });

    await test('embed: clicks and messages drive the widgets; writes succeed and fail with Kafka errors; others are rejected', async () => {
      const w1 = page.frameLocator('#w1 iframe');
      await page.locator('#w1').scrollIntoViewIfNeeded();
      // Only the exposed controls are there.
      assert((await w1.locator(byId('key-input')).count()) === 0, 'key is not an exposed control');
      await w1.locator(byId('produce-btn')).click();
      await waitEvent(() => window.events.some((e) => e.id === 'w1' && e.type === 'write' && e.outcome === 'succeeded' && e.offset >= 0), 'a succeeded write');
      // A documented message from the host page: acks=1.
      await page.evaluate(() => document.getElementById('w1').send({ type: 'set', key: 'acks', value: '1' }));
      await w1.locator(`${byId('acks-select')}`).evaluate((el) => new Promise((ok, no) => {
        const t0 = Date.now();
        (function poll() { if (el.value === '1') ok(); else if (Date.now() - t0 > 15000) no(new Error(`acks ${el.value}`)); else setTimeout(poll, 50); })();
      }));
      // Undocumented or not-allowed messages are refused with the reason.
      await page.evaluate(() => document.getElementById('w1').send({ type: 'eval', code: 'alert(1)' }));
      await page.evaluate(() => document.getElementById('w2').send({ type: 'crash-broker', broker: 1 }));
      await page.evaluate((o) => document.getElementById('w3').contentWindow.postMessage({ type: 'produce' }, o), siteOrigin);
      await waitEvent(() => window.events.some((e) => e.id === 'w1' && e.type === 'rejected' && /unknown message type “eval”/.test(e.reason)), 'eval rejected');
      await waitEvent(() => window.events.some((e) => e.id === 'w2' && e.type === 'rejected' && /crash_broker.*not among this widget's controls/.test(e.reason)), 'crash-broker rejected by w2');
      await waitEvent(() => window.events.some((e) => e.id === 'w3' && e.type === 'rejected' && /read-only/.test(e.reason)), 'produce rejected by the read-only iframe');
      // The notes' example by messages: acks=all, crash 2 and 3, wait for fencing, produce.
      await page.evaluate(() => {
        const w = document.getElementById('w1');
        w.send({ type: 'set', key: 'acks', value: 'all' });
        w.send({ type: 'crash-broker', broker: 2 });
        w.send({ type: 'crash-broker', broker: 3 });
        w.send({ type: 'advance', ms: 10000 });
      });
      await w1.locator(byId('isr-payments-0')).evaluate((el) => new Promise((ok, no) => {
        const t0 = Date.now();
        (function poll() {
          if (el.textContent.split(',').filter((s) => s.trim()).length === 1) ok();
          else if (Date.now() - t0 > 15000) no(new Error(`ISR ${el.textContent}`)); else setTimeout(poll, 50);
        })();
      }));
      await page.evaluate(() => document.getElementById('w1').send({ type: 'produce', key: 'user-42' }));
      await waitEvent(() => window.events.some((e) => e.id === 'w1' && e.type === 'write' && e.outcome === 'failed' && e.error === 'NOT_ENOUGH_REPLICAS'), 'NOT_ENOUGH_REPLICAS');
      await page.evaluate(() => document.getElementById('w1').send({ type: 'get-state' }));
      await waitEvent(() => window.events.some((e) => e.id === 'w1' && e.type === 'state' && e.acks === 'all' && e.isr['payments-0'].length === 1), 'state');
      // The group widget: both groups stable, partitions assigned.
      const w2 = page.frameLocator('#w2 iframe');
      await page.locator('#w2').scrollIntoViewIfNeeded();
      await w2.locator(`${byId('group-order-processing')}[data-state="Stable"]`).waitFor({ timeout: T });
      await w2.locator(byId('produce-btn')).click();
      await waitEvent(() => window.events.some((e) => e.id === 'w2' && e.type === 'write' && e.outcome === 'succeeded'), 'a write from w2');
      // The read-only iframe shows no broker buttons.
      const w3 = page.frameLocator('#w3');
      assert((await w3.locator(byId('crash-1')).count()) === 0, 'read-only: no crash button');
      assert((await w3.locator(byId('readonly')).count()) === 1, 'read-only badge');
      await shootHostPage('embed-host-page.png');
      const msgs = await page.evaluate(() => window.events.map((e) => e.type));
      assert(msgs.includes('write') && msgs.includes('rejected'), msgs.join(','));
    });

    await test('embed: a share link round-trips — the sandbox and an embed open the same state at the same tick', async () => {
      await page.goto(`${SITE}?preset=payments`);
      await page.waitForSelector(byId('broker-3'), { timeout: T });
      await page.click(byId('crash-3'));
      await page.click(byId('advance-10s'));
      await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').split(',').filter((s) => s.trim()).length === 2, byId('isr-payments-0'), { timeout: T });
      await page.click(byId('produce-btn'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.status && document.querySelector(sel).dataset.status !== 'pending', byId('produce-result'), { timeout: T });
      await page.click(byId('play-toggle'));
      await page.click(byId('share-link'));
      const url = page.url();
      const fragment = decodeURIComponent(url.split('#')[1] ?? '');
      assert(fragment.startsWith('run=v1/payments/'), fragment);
      const atMs = Number(fragment.split('/')[2]);
      const state = async (p, frame) => {
        const root = frame ?? p;
        return {
          isr: (await root.locator(byId('isr-payments-0')).innerText()).trim(),
          results: (await root.locator(byId('produce-result')).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')),
        };
      };
      const before = await state(page);
      const again = await context.newPage();
      // The same run as an embed, paused (autoplay=0): exactly the shared tick.
      const body = fragment.slice('run='.length);
      await again.goto(`${SITE}?embed=producer&run=${encodeURIComponent(body)}&autoplay=0`);
      await again.waitForSelector(`${byId('embed')}[data-now="${atMs}"]`, { timeout: T });
      const inEmbed = await state(again);
      assert(inEmbed.isr === before.isr, `ISR ${inEmbed.isr} vs ${before.isr}`);
      assert(JSON.stringify(inEmbed.results) === JSON.stringify(before.results),
        `results differ:\n${inEmbed.results.join('\n')}\nvs\n${before.results.join('\n')}`);
      await again.close();
    });

    await test('embed: a lesson link round-trips — the player and a lesson embed open the same step and state at the same tick', async () => {
      await page.goto(`${SITE}?lesson=04-topics-partitions`);
      await page.waitForSelector(`${byId('lesson-player')}[data-step="topic"]`, { timeout: T });
      // Step 6 (replication): crash broker 3, let fencing happen; step 7: lock in a prediction.
      await page.click(byId('step-dot-5'));
      await page.waitForSelector(`${byId('lesson-player')}[data-step="replication"]`, { timeout: T });
      await page.click(byId('crash-3'));
      await page.click(byId('lc-advance-10000'));
      await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').split(',').filter((s) => s.trim()).length === 2, byId('isr-payments-0'), { timeout: T });
      await page.click(byId('step-dot-6'));
      await page.waitForSelector(`${byId('lesson-player')}[data-step="min-isr"]`, { timeout: T });
      await page.click(byId('predict-choice-ok'));
      await page.click(byId('predict-run'));
      await page.waitForSelector(byId('predict-result'), { timeout: T });
      await page.click(byId('play-toggle'));
      await page.click(byId('lesson-share'));
      const url = await page.locator(byId('lesson-share-url')).inputValue();
      await page.locator('.embed-row', { has: page.locator(byId('lesson-share')) }).screenshot({ path: path.join(ARTIFACTS, 'lesson-share.png') });
      const fragment = url.split('#')[1] ?? '';
      assert(page.url().endsWith(`#${fragment}`), `the link is in the address bar: ${page.url()} vs ${url}`);
      assert(/^lesson=v1\/04-topics-partitions\/1\/\d+\/.*:g6,.*:c3,.*:g7,.*:yok/.test(fragment), fragment);
      const atMs = Number(fragment.split('/')[3]);
      const state = async (root) => ({
        step: await root.locator(byId('lesson-player')).getAttribute('data-step'),
        isr: (await root.locator(byId('isr-payments-0')).innerText()).trim(),
        goals: await root.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => `${e.dataset.testid}=${e.dataset.met}`)),
        predicted: await root.locator(byId('predict-result')).getAttribute('data-correct'),
        results: (await root.locator(byId('produce-result')).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')),
      });
      const before = await state(page);
      assert(before.predicted === 'true' && before.isr.split(',').length === 2, JSON.stringify(before));
      // The full page opens it (lessons view, same step and checklist)…
      const again = await context.newPage();
      await again.goto(`${SITE}#${fragment}`);
      await again.waitForSelector(`${byId('lesson-player')}[data-step="min-isr"]`, { timeout: T });
      await again.waitForSelector(byId('predict-result'), { timeout: T });
      // (The page plays on: the produce results' ages move, the rest holds.)
      const opened = { ...(await state(again)), results: before.results };
      assert(JSON.stringify(opened) === JSON.stringify(before), `opened:\n${JSON.stringify(opened)}\nvs\n${JSON.stringify(before)}`);
      assert((await again.locator(byId('link-error')).count()) === 0, 'no error banner');
      await again.screenshot({ path: path.join(ARTIFACTS, 'lesson-link-opened.png'), fullPage: true });
      // …and a paused lesson embed opens it at exactly the shared tick.
      await again.goto(`${SITE}?embed=lesson&autoplay=0&run=${encodeURIComponent(fragment.slice('lesson='.length))}`);
      await again.waitForSelector(`${byId('embed')}[data-now="${atMs}"]`, { timeout: T });
      await again.waitForSelector(byId('predict-result'), { timeout: T });
      const inEmbed = await state(again);
      assert(JSON.stringify(inEmbed) === JSON.stringify(before), `embed:\n${JSON.stringify(inEmbed)}\nvs\n${JSON.stringify(before)}`);
      const open = await again.locator(byId('embed-open')).getAttribute('href');
      assert(open.startsWith('./#lesson=v1/04-topics-partitions/1/'), `"Open in Kafka Playground" keeps the run: ${open}`);
      await again.close();
    });

    await test('embed: tampered lesson links show a readable reason (English and 中文), never a blank page or markup', async () => {
      const cases = [
        [`${SITE}?lang=en#lesson=v1/04-topics-partitions/42/0/`, /This lesson link could not be opened: “42” is not a step of lesson 04-topics-partitions \(it has steps 1 … 9\)/, 'lesson-card-04-topics-partitions'],
        [`${SITE}?lang=zh#lesson=v1/99-gone/1/0/`, /无法打开这个课程链接：这个 Kafka Playground 里没有课程 “99-gone”/, 'lesson-card-04-topics-partitions'],
        [`${SITE}?lang=en#lesson=v2/04-topics-partitions/1/0/`, /newer Kafka Playground/, 'lesson-card-04-topics-partitions'],
        [`${SITE}?lang=en#lesson=v1/04-topics-partitions/1/0`, /5 parts.*cut off/, 'lesson-card-04-topics-partitions'],
        [`${SITE}?lang=en#lesson=v1/04-topics-partitions/7/0/2000:ymaybe`, /“maybe” is not a choice of step 7 \(ok, ner, timeout\)/, 'lesson-card-04-topics-partitions'],
        // Decodes, but the worker cannot replay it: the lesson opens at the link's step.
        [`${SITE}?lang=en#lesson=v1/04-topics-partitions/2/5000/10:c3`, /input 1 at 10 ms comes before the lesson gets there/, 'lesson-player'],
        [`${SITE}?lang=en#lesson=v1/<img src=x onerror=window.__pwned=1>/1/0/`, /no lesson “<img src=x onerror=window.__pwned=1>”/, 'lesson-card-04-topics-partitions'],
      ];
      for (const [u, want, shown] of cases) {
        await page.goto('about:blank');
        await page.goto(u);
        const el = page.locator(byId('link-error'));
        await el.waitFor({ timeout: T });
        const text = await el.innerText();
        assert(want.test(text), `${u}: ${text}`);
        assert((await el.getAttribute('role')) === 'alert', `${u}: the reason is announced`);
        assert((await el.locator('img, script').count()) === 0, `${u}: markup in the reason`);
        await page.locator(byId(shown)).waitFor({ timeout: T });
        if (u.includes('<img')) await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-link-error.png') });
      }
      assert((await page.evaluate(() => window.__pwned)) === undefined, 'hostile link text ran');
      await page.goto(`${SITE}?lang=zh#lesson=v1/04-topics-partitions/2/5000/10:c3`);
      await page.locator(byId('link-error')).waitFor({ timeout: T });
      assert(/第 1 个输入在 10 ms/.test(await page.locator(byId('link-error')).innerText()), 'the worker reason in 中文');
      assert((await page.locator(byId('lesson-player')).getAttribute('data-step')) === 'key', 'opened at the link step');
      await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-link-error-zh.png') });
      // The lesson widget refuses a bad lesson link with the reason, and a too-long one says so.
      await page.goto(`${SITE}?embed=lesson&run=v1/04-topics-partitions/1/0/2000:g99`);
      const e = page.locator(byId('embed-error'));
      await e.waitFor({ timeout: T });
      assert(/the lesson link cannot be opened: input 1: “99” is not a step of this lesson/.test(await e.innerText()), await e.innerText());
      await page.goto(`${SITE}?lang=en#lesson=v1/04-topics-partitions/1/0/${'2000:h,'.repeat(3000)}`);
      await page.locator(byId('link-error')).waitFor({ timeout: T });
      assert(/at most 16384/.test(await page.locator(byId('link-error')).innerText()), 'size limit explained');
    });

    await test('embed: tampered links and bad embed parameters are refused with a visible reason', async () => {
      const cases = [
        [`${SITE}#run=v2/payments/5000/`, byId('link-error'), /newer Kafka Playground/],
        [`${SITE}#run=v1/payments/50`, byId('link-error'), /4 parts/],
        [`${SITE}#run=v1/payments/5000/2000:c9`, byId('link-error'), /not a broker/],
        [`${SITE}?embed=producer&controls=acks,eval`, byId('embed-error'), /“eval” is not a control/],
        [`${SITE}?embed=cluster&run=v1/payments/5000/2000:zz`, byId('embed-error'), /run link cannot be opened/],
        [`${SITE}?embed=producer&origin=javascript:alert(1)`, byId('embed-error'), /origin/],
      ];
      for (const [u, sel, want] of cases) {
        await page.goto('about:blank');
        await page.goto(u);
        const el = page.locator(sel);
        await el.waitFor({ timeout: T });
        const text = await el.innerText();
        assert(want.test(text), `${u}: ${text}`);
        assert((await el.getAttribute('role')) === 'alert', `${u}: the reason is announced`);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'embed-bad-params.png') });
    });

    await test('embed: hostile caption text (script tags, javascript: links) is shown as text, never run', async () => {
      const note = '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2"> **bold** [click me](javascript:window.__pwned=3)';
      await page.goto(`${SITE}?embed=producer&autoplay=0&note=${encodeURIComponent(note)}`);
      const n = page.locator(byId('embed-note'));
      await n.waitFor({ timeout: T });
      const text = await n.innerText();
      assert(text.includes('<script>window.__pwned=1</script>') && text.includes('<img src=x'), `markup not shown as text: ${text}`);
      assert(/link removed: only http\(s\) links are allowed/.test(text), `no visible reason for the link: ${text}`);
      const counts = await n.evaluate((el) => ({
        script: el.querySelectorAll('script').length, img: el.querySelectorAll('img').length,
        js: el.querySelectorAll('a[href^="javascript" i]').length, strong: el.querySelectorAll('strong').length,
      }));
      assert(counts.script === 0 && counts.img === 0 && counts.js === 0 && counts.strong === 1, JSON.stringify(counts));
      await page.locator(byId('md-blocked')).click({ trial: true }).catch(() => {});
      assert((await page.evaluate(() => window.__pwned)) === undefined, 'hostile text ran');
      await n.screenshot({ path: path.join(ARTIFACTS, 'embed-hostile-note.png') });
    });

    await test('embed: "Copy embed code" shows the element, an iframe and a live preview of the current run', async () => {
      await page.goto(`${SITE}?preset=payments`);
      await page.waitForSelector(byId('broker-3'), { timeout: T });
      await page.click(byId('crash-2'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-disabled') === 'true', byId('crash-2'), { timeout: T });
      await page.click(byId('embed-code-btn'));
      await page.locator(byId('embed-dialog')).waitFor({ timeout: T });
      await page.click(`${byId('embed-ctl-key')}`);
      const code = await page.locator(byId('embed-code')).innerText();
      assert(code.includes(`<script src="${SITE}embed.js" defer></script>`), code);
      assert(/<kafka-playground widget="producer" run="v1\/payments\/\d+\/\d+:c2" controls="[^"]*key[^"]*"><\/kafka-playground>/.test(code), code);
      const iframe = await page.locator(byId('embed-iframe-code')).innerText();
      assert(iframe.includes('title="Kafka Playground: acks and min.insync.replicas"') && iframe.includes('loading="lazy"'), iframe);
      const preview = page.frameLocator(byId('embed-preview'));
      await preview.locator(byId('key-input')).waitFor({ timeout: T });
      assert((await preview.locator(byId('broker-state-2')).innerText()).length > 0, 'preview shows brokers');
      await page.locator(byId('embed-dialog')).screenshot({ path: path.join(ARTIFACTS, 'embed-copy-dialog.png') });
    });

    await test('embed: widgets look right — producer, cluster (dark), group, lesson step', async () => {
      const shots = [
        ['embed-producer.png', `${SITE}?embed=producer&controls=acks,min.insync.replicas,produce,crash_broker,restart_broker,time&note=${encodeURIComponent('Why we run **acks=all** with **min.insync.replicas=2**.')}`, byId('acks-select')],
        ['embed-cluster-dark.png', `${SITE}?embed=cluster&run=v1/payments/12000/2000:c3&readonly=1&autoplay=0&theme=dark`, byId('broker-3')],
        ['embed-group.png', `${SITE}?embed=group&scenario=groups&t=6000&autoplay=0`, `${byId('group-order-processing')}[data-state="Stable"]`],
        ['embed-lesson.png', `${SITE}?embed=lesson&lesson=04-topics-partitions&step=2&lang=zh`, byId('lesson-player')],
      ];
      for (const [file, u, sel] of shots) {
        await page.goto(u);
        await page.waitForSelector(sel, { timeout: T });
        await page.waitForTimeout(300);
        await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
      }
      const theme = await page.evaluate(() => document.documentElement.dataset.theme);
      assert(theme === 'auto', `lesson embed theme ${theme}`);
    });

    await test('embed: the docs page (desktop + phone) loads every widget type', async () => {
      const docs = `${SITE}embed-docs.html`;
      const load = async (p, file) => {
        await p.addInitScript(() => {
          window.__ready = [];
          document.addEventListener('kafka-playground', (e) => { if (e.detail.type === 'ready') window.__ready.push(e.target.getAttribute('widget') || 'lesson'); });
        });
        await p.goto(docs);
        for (const el of await p.locator('kafka-playground').all()) await el.scrollIntoViewIfNeeded();
        await p.waitForFunction(() => window.__ready.length >= 4, null, { timeout: 40_000 }).catch(async () => {
          throw new Error(`ready: ${await p.evaluate(() => window.__ready.join(','))}`);
        });
        await p.waitForTimeout(500);
        await p.evaluate(() => window.scrollTo(0, 0));
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 1, `${file}: scrolls horizontally by ${overflow}px`);
        await p.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
        await p.screenshot({ path: path.join(ARTIFACTS, file.replace('.png', '-top.png')) });
      };
      await load(page, 'embed-docs-desktop.png');
      const violations = await page.evaluate(() => window.__csp);
      assert(violations.length === 0, `CSP violations on the docs page: ${violations.join('; ')}`);
      const phone = await context.newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.addInitScript(() => { window.__csp = []; });
      await load(phone, 'embed-docs-phone.png');
      await phone.close();
    });

    await test('embed: offline after the first load (service worker precache)', async () => {
      await page.goto(SITE);
      await page.waitForSelector(byId('broker-3'), { timeout: T });
      const ok = await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.ready;
        return !!reg.active;
      });
      assert(ok, 'no active service worker');
      await context.setOffline(true);
      try {
        await page.reload();
        await page.waitForSelector(byId('broker-3'), { timeout: T });
        await page.goto(`${SITE}?embed=producer&autoplay=0`);
        await page.waitForSelector(byId('acks-select'), { timeout: T });
      } finally {
        await context.setOffline(false);
      }
    });

    const csp = problems.filter((p) => /Content Security Policy|Refused to/i.test(p));
    await test('embed: no CSP violation and no page error in any of the above', async () => {
      assert(csp.length === 0, `CSP: ${csp.join('\n')}`);
      const errs = problems.filter((p) => !/favicon|deprecated parameters|ERR_INTERNET_DISCONNECTED|net::ERR_/i.test(p));
      assert(errs.length === 0, `errors: ${errs.slice(0, 5).join('\n')}`);
    });
  } finally {
    await page.close();
    site.server.close();
    host.server.close();
    await fs.rm(hostDir, { recursive: true, force: true });
  }
}
