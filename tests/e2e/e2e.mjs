// End-to-end test of the release build: the notes' Min ISR example, clicked through in Chromium.
//
//   node tests/e2e/e2e.mjs            (expects dist/ from `trunk build --release`)
//
// Uses playwright-core from scripts/node_modules with Debian's /usr/bin/chromium (never downloads a
// browser). Prints `E2E: N passed, M failed` last and exits non-zero on any failure.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve } from './server.mjs';
import { lessonTests } from './lessons.mjs';
import { groupTests } from './groups.mjs';
import { embedTests } from './embed.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);
const { chromium } = require(path.join(root, 'scripts/node_modules/playwright-core'));

const DIST = path.join(root, 'dist');
const ARTIFACTS = path.join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const T = 15_000;

const results = [];
async function test(name, fn) {
  // E2E_ONLY=lesson runs only the tests whose name starts with it (while working on one area).
  if (process.env.E2E_ONLY && !name.startsWith(process.env.E2E_ONLY)) return;
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`  ✗ ${name}\n    ${String(err && err.stack ? err.stack : err).split('\n').slice(0, 6).join('\n    ')}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const byId = (id) => `[data-testid="${id}"]`;

/** An element screenshot into artifacts/ without the sticky simulation bar drawn over it. */
async function shot(page, selector, file) {
  const bar = (pos) => page.evaluate((p) => document.querySelector('.simbar')?.style.setProperty('position', p), pos);
  await bar('static');
  await page.locator(selector).screenshot({ path: path.join(ARTIFACTS, file) });
  await bar('');
}

/** Text of the newest produce result once it is no longer pending. */
async function newestSettledResult(page, countBefore) {
  await page.waitForFunction(
    ([sel, n]) => {
      const rows = document.querySelectorAll(sel);
      return rows.length > n && rows[0].dataset.status !== 'pending';
    },
    [byId('produce-result'), countBefore],
    { timeout: T },
  );
  return (await page.locator(byId('produce-result')).first().innerText()).replace(/\s+/g, ' ');
}

async function produce(page, { keyboard = false } = {}) {
  const before = await page.locator(byId('produce-result')).count();
  if (keyboard) {
    // Real <button>s: focus and Enter work without a mouse.
    await page.focus(byId('produce-btn'));
    await page.keyboard.press('Enter');
  } else {
    await page.click(byId('produce-btn'));
  }
  return newestSettledResult(page, before);
}

/** The rendered text of an element a reader scrolls to. The heaviest panels (charts, wire,
 * pipeline, logs) use `content-visibility: auto`, so off screen they are not laid out and
 * `innerText` reads empty there. */
async function shownText(page, selector) {
  const l = page.locator(selector);
  await l.scrollIntoViewIfNeeded();
  // The browser decides at its next rendering update that the panel is on screen.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return l.innerText();
}

async function isrIds(page) {
  const text = await page.locator(byId('isr-payments-0')).innerText();
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

async function main() {
  try {
    await fs.access(path.join(DIST, 'index.html'));
  } catch {
    console.log('dist/index.html is missing: run `trunk build --release` first (tests/e2e/run.sh does).');
    console.log('E2E: 0 passed, 1 failed');
    process.exit(1);
  }
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const { server, url } = await serve(DIST);
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'kplay-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
  });
  const pageErrors = [];
  const page = context.pages()[0] ?? (await context.newPage());
  // A full-page capture only paints what the viewport holds: the panels with
  // `content-visibility: auto` below it would come out blank. So the viewport is made as tall as
  // the page for the capture (what a reader scrolling down sees), then put back.
  const screenshot = page.screenshot.bind(page);
  page.screenshot = async (options = {}) => {
    if (!options.fullPage) return screenshot(options);
    const viewport = page.viewportSize();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
    try {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      return await screenshot(options);
    } finally {
      await page.setViewportSize(viewport);
    }
  };
  // Counts the Web Workers each page load starts (boot.js should start the only one).
  await page.addInitScript(() => {
    const Native = window.Worker;
    window.__workersMade = 0;
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        window.__workersMade += 1;
      }
    };
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });

  try {
    await test('page loads, the worker answers and shows 3 brokers with Isr 1,2,3', async () => {
      await page.goto(url);
      await page.waitForSelector(byId('broker-3'), { timeout: T });
      const clock1 = await page.locator(byId('clock')).innerText();
      await page.waitForFunction(
        ([sel, c]) => document.querySelector(sel)?.textContent !== c,
        [byId('clock'), clock1],
        { timeout: T },
      );
      const ids = await isrIds(page);
      assert(ids.sort().join(',') === '1,2,3', `expected Isr 1,2,3, got ${ids}`);
      assert((await page.locator(byId('acks-select')).inputValue()) === 'all', 'acks should start at all');
      assert((await page.locator(byId('min-isr-select')).inputValue()) === '2', 'min.insync.replicas should start at 2');
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-initial.png'), fullPage: true });
      // boot.js started the engine's worker before the page's wasm ran, and the page adopted it.
      const workers = await page.evaluate(() => ({ made: window.__workersMade, boot: window.__kplayBoot?.worker instanceof Worker }));
      assert(workers.boot && workers.made === 1, `one worker, started by boot.js: ${JSON.stringify(workers)}`);
    });

    await test('acks=all with 3 in-sync replicas → offset', async () => {
      const text = await produce(page);
      assert(/offset \d+/.test(text), `expected an offset, got: ${text}`);
    });

    await test('crash two brokers, +10 s → Isr shrinks, acks=all → NOT_ENOUGH_REPLICAS', async () => {
      const leaderText = await page.locator('.describe dd').first().innerText();
      // Crash the two brokers that do not lead payments-0: the notes' "only the leader is left".
      const victims = ['1', '2', '3'].filter((b) => b !== leaderText.trim()).slice(0, 2);
      for (const b of victims) {
        await page.click(byId(`crash-${b}`));
        await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-disabled') === 'true', byId(`crash-${b}`), { timeout: T });
      }
      await page.click(byId('advance-10s'));
      await page.waitForFunction((sel) => {
        const t = document.querySelector(sel)?.textContent ?? '';
        return t.split(',').filter((s) => s.trim()).length === 1;
      }, byId('isr-payments-0'), { timeout: T });
      const text = await produce(page);
      assert(text.includes('NOT_ENOUGH_REPLICAS'), `expected NOT_ENOUGH_REPLICAS, got: ${text}`);
      const metrics = await page.locator(byId('metrics')).innerText();
      assert(/1\s*UnderMinIsrPartitionCount/.test(metrics), `UnderMinIsrPartitionCount should be 1: ${metrics}`);
      // The charts follow the engine's sampled history: the ISR chart ends at the shrunk ISR.
      await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').includes('UnderMinIsrPartitionCount 1'), byId('chart-isr'), { timeout: T });
      const isrChart = await page.locator(`${byId('chart-isr')} svg`).getAttribute('aria-label');
      assert(/UnderMinIsrPartitionCount 1/.test(isrChart ?? ''), `ISR chart's summary: ${isrChart}`);
      const tput = await page.locator(`${byId('chart-throughput')} path.s-good`).getAttribute('d');
      assert((tput ?? '').includes('L'), `throughput line should be drawn: ${tput}`);
      await shot(page, byId('charts'), 'desktop-charts.png');
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-not-enough-replicas.png'), fullPage: true });
    });

    await test('acks=1 → offset (keyboard); rewind the timeline; a share link reopens the same run', async () => {
      await page.selectOption(byId('acks-select'), '1');
      await page.waitForFunction((sel) => document.querySelector(sel)?.value === '1', byId('acks-select'), { timeout: T });
      // Let the worker apply the config before producing (commands are handled in order anyway).
      await page.waitForTimeout(100);
      const text = await produce(page, { keyboard: true });
      assert(/offset \d+/.test(text) && text.includes('acks=1'), `expected an acks=1 offset, got: ${text}`);
      const guide = await page.locator(byId('guide')).innerText();
      assert(guide.includes('4/4') || guide.includes('3/4'), `guide progress not updated: ${guide.slice(0, 120)}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-acks-1.png'), fullPage: true });

      // Time travel: rewind to before the crashes (all 3 in the ISR), then back to the latest state.
      await page.locator(byId('timeline')).fill('1500');
      await page.waitForFunction((sel) => {
        const t = document.querySelector(sel)?.textContent ?? '';
        return t.split(',').filter((s) => s.trim()).length === 3;
      }, byId('isr-payments-0'), { timeout: T });
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-rewound.png'), fullPage: false });
      await page.click(byId('timeline-live'));
      await page.waitForFunction((sel) => {
        const t = document.querySelector(sel)?.textContent ?? '';
        return t.split(',').filter((s) => s.trim()).length === 1;
      }, byId('isr-payments-0'), { timeout: T });

      // Share link: the run (scenario + actions + time) goes into the URL and reopens identically.
      await page.click(byId('play-toggle')); // pause, so the shared time is the time on screen
      const results = async () =>
        (await page.locator(byId('produce-result')).allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
      const before = await results();
      await page.click(byId('share-link'));
      const shared = page.url();
      assert(shared.includes('#run=v1/payments/'), `no run link in the URL: ${shared}`);
      await page.reload();
      await page.waitForFunction(
        ([sel, n]) => document.querySelectorAll(sel).length === n,
        [byId('produce-result'), before.length],
        { timeout: T },
      );
      const after = await results();
      assert(JSON.stringify(after) === JSON.stringify(before), `reopened run differs:\n${before}\n${after}`);
    });

    await test('中文: the language switch translates labels and is remembered; bad links are explained', async () => {
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('发送一条消息'), byId('produce-btn'), { timeout: T });
      assert((await page.getAttribute('html', 'lang')) === 'zh-CN', 'html lang should be zh-CN');
      // Kafka's names stay untranslated.
      const label = await page.locator('label[for="min-isr-select"]').innerText();
      assert(label.includes('min.insync.replicas'), 'config keys keep their Kafka names');
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-zh.png'), fullPage: true });
      await page.reload();
      await page.waitForSelector(byId('broker-1'), { timeout: T });
      const btn = await page.locator(byId('produce-btn')).innerText();
      assert(btn.includes('发送一条消息'), `language not remembered after reload: ${btn}`);
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('Produce'), byId('produce-btn'), { timeout: T });

      // A malformed share link is rejected with a visible reason (never silently trimmed).
      await page.goto(`${url}#run=v1/payments/5000/2000:c9`);
      await page.reload();
      const banner = await page.locator(byId('link-error')).innerText({ timeout: T });
      assert(banner.includes('not a broker'), `expected the reason in the banner: ${banner}`);
      await page.goto(url);
      await page.reload();
    });

    await test('network partition: cut the leader from the controller → new leader, stale old one; heal → it rejoins', async () => {
      await page.goto(url);
      await page.waitForSelector(byId('broker-3'), { timeout: T });
      const leaderDd = `${byId('partition-payments-0')} .describe dd`;
      const old = (await page.locator(leaderDd).first().innerText()).trim();
      assert(/^[123]$/.test(old), `unexpected leader: ${old}`);
      const link = page.locator(`[data-testid^="link-broker-${old}-controller"]`);
      const label = await link.getAttribute('aria-label');
      assert(/Cut the network between broker-\d and controller-\d+/.test(label), `link label: ${label}`);
      // Keyboard: links are focusable buttons in the SVG.
      await link.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === '1', byId('cut-count'), { timeout: T });
      assert((await link.getAttribute('aria-pressed')) === 'true', 'a cut link is aria-pressed');
      assert((await link.getAttribute('aria-label')).startsWith('Restore'), 'a cut link offers to restore it');
      await page.click(byId('advance-10s'));
      await page.waitForFunction(
        ([sel, o]) => { const t = document.querySelector(sel)?.textContent.trim(); return t && t !== o && t !== 'none'; },
        [leaderDd, old],
        { timeout: T },
      );
      const stale = byId(`stale-leader-payments-0-${old}`);
      await page.waitForSelector(stale, { timeout: T });
      const newLeader = (await page.locator(leaderDd).first().innerText()).trim();
      const isr = await isrIds(page);
      assert(isr.includes(newLeader) && !isr.includes(old), `new leader ${newLeader} in Isr ${isr}, old ${old} out`);
      assert((await page.locator(byId('guide-net-progress')).innerText()).trim() === '2/3', 'network guide at 2/3');
      // The controller's heartbeats to it were lost on the cut: listed from EnvelopeLost events.
      const lost = await shownText(page, byId('lost-list'));
      assert(lost.includes('lost on a cut link') && lost.includes(`broker-${old}`), `lost envelopes listed: ${lost}`);
      const state = await page.locator(byId(`broker-state-${old}`)).innerText();
      assert(/fenced/.test(state), `old leader should be fenced: ${state}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-network-partition.png'), fullPage: true });
      await page.locator(byId('in-flight')).screenshot({ path: path.join(ARTIFACTS, 'desktop-network-cut.png') });

      await page.click(byId('heal-network'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.disabled === true, byId('heal-network'), { timeout: T });
      for (let i = 0; i < 4; i++) {
        await page.click(byId('advance-10s'));
        await page.waitForTimeout(300);
        const ids = await isrIds(page);
        if (ids.includes(old) && (await page.locator(stale).count()) === 0) break;
      }
      assert((await page.locator(stale).count()) === 0, 'the old leader stepped down after the heal');
      const after = await isrIds(page);
      assert(after.includes(old), `old leader ${old} rejoined the Isr: ${after}`);
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === '3/3', byId('guide-net-progress'), { timeout: T });
    });

    await test('hold, release and drop an envelope while paused', async () => {
      await page.click(byId('play-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.classList.contains('paused'), byId('hold-hint'), { timeout: T });
      // Produce while paused: its Produce request is on the wire (2–6 ms) until time moves, so an
      // envelope to hold exists whatever moment the pause landed on.
      await page.click(byId('produce-btn'));
      let hold = null;
      for (let i = 0; i < 30 && !hold; i++) {
        const buttons = page.locator('[data-testid^="hold-"]:not([data-testid="hold-hint"])');
        if ((await buttons.count()) > 0) hold = buttons.first();
        else await page.click(byId('step-btn'));
        await page.waitForTimeout(120);
      }
      assert(hold, 'no envelope in flight after 30 steps');
      const id = (await hold.getAttribute('data-testid')).slice('hold-'.length);
      await hold.click();
      await page.waitForSelector(byId(`release-${id}`), { timeout: T });
      assert((await shownText(page, byId(`envelope-${id}`))).includes('held'), 'the row says held');
      await page.locator(byId('in-flight')).screenshot({ path: path.join(ARTIFACTS, 'desktop-held.png') });
      await page.click(byId(`drop-${id}`));
      await page.waitForFunction(
        ([sel, i]) => (document.querySelector(sel)?.textContent ?? '').includes(`#${i}`),
        [byId('lost-list'), id],
        { timeout: T },
      );
      assert((await shownText(page, byId('lost-list'))).includes('dropped'), 'the drop is listed');
      await page.click(byId('play-toggle'));
    });

    await test('orders: add partitions 3 → 5; the new partitions appear', async () => {
      await page.goto(`${url}?preset=orders`);
      await page.waitForSelector(byId('partition-orders-2'), { timeout: T });
      assert((await page.locator(byId('partition-count')).innerText()).trim() === '3', 'orders starts with 3 partitions');
      await page.selectOption(byId('add-partitions-select'), '5');
      await page.click(byId('add-partitions-btn'));
      await page.waitForSelector(byId('partition-orders-4'), { timeout: T });
      const result = await page.locator(byId('partitions-result')).innerText();
      assert(result.includes('3 → 5'), `result: ${result}`);
      assert((await page.locator(byId('partition-count')).innerText()).trim() === '5', 'count shows 5');
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-orders-5-partitions.png'), fullPage: true });
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('发送一条消息'), byId('produce-btn'), { timeout: T });
      await page.locator(`[data-testid^="link-broker-1-controller"]`).click();
      await page.click(byId('advance-10s'));
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-zh-network.png'), fullPage: true });
      await page.click(byId('heal-network'));
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('Produce'), byId('produce-btn'), { timeout: T });
      await page.goto(url);
    });

    await test('offline partition: crash both followers then the leader; unclean.leader.election.enable → an "unclean" leader; 中文 log', async () => {
      await page.goto(url);
      await page.waitForSelector(byId('broker-3'), { timeout: T });
      const card = byId('partition-payments-0');
      const leaderDd = `${card} .describe dd`;
      const leaderNow = async () => (await page.locator(leaderDd).first().innerText()).trim();
      const leader = await leaderNow();
      assert(/^[123]$/.test(leader), `unexpected leader: ${leader}`);
      const [a, b] = ['1', '2', '3'].filter((x) => x !== leader);
      const crash = async (n) => {
        await page.click(byId(`crash-${n}`));
        await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-disabled') === 'true', byId(`crash-${n}`), { timeout: T });
        await page.click(byId('advance-10s'));
        await page.waitForTimeout(300);
      };
      // Followers first: the ISR shrinks to the leader alone, which then takes acks=1 writes that
      // no other replica has.
      await crash(a);
      await crash(b);
      await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').split(',').filter((x) => x.trim()).length === 1, byId('isr-payments-0'), { timeout: T });
      await page.selectOption(byId('acks-select'), '1');
      await page.waitForTimeout(100);
      const acked = await produce(page);
      assert(/offset \d+/.test(acked), `acks=1 with the leader alone → offset: ${acked}`);
      // Then the leader: no ISR replica is left, the partition goes offline.
      await crash(leader);
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === 'none', leaderDd, { timeout: T });
      const metrics = await page.locator(byId('metrics')).innerText();
      assert(/1\s*OfflinePartitionsCount/.test(metrics), `OfflinePartitionsCount should be 1: ${metrics}`);
      // A follower comes back, but it is not in the ISR: still offline.
      await page.click(byId(`restart-${a}`));
      await page.click(byId('advance-10s'));
      await page.waitForTimeout(300);
      assert((await leaderNow()) === 'none', 'a replica outside the ISR does not lead by default');
      const warning = await page.locator(`${byId('topic-bar-payments')} ${byId('unclean-warning')}`).innerText({ timeout: T });
      assert(/outside the ISR/.test(warning) && /lost/.test(warning), `warning: ${warning}`);
      assert((await page.locator(byId('unclean-toggle')).getAttribute('aria-checked')) === 'false', 'the switch starts off');
      // The preferred election is refused with Kafka's error, shown next to the button.
      await page.click(byId('elect-preferred-payments-0'));
      const refused = await page.locator(byId('election-result-payments-0')).innerText({ timeout: T });
      assert(refused.includes('PREFERRED_LEADER_NOT_AVAILABLE'), `refusal: ${refused}`);
      assert((await page.locator(byId('elect-unclean-payments-0')).count()) === 1, 'an offline partition offers an unclean election');
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-offline.png'), fullPage: true });
      await page.locator('.o-partitions').screenshot({ path: path.join(ARTIFACTS, 'desktop-offline-partitions.png') });

      // Keyboard: the switch is a real button.
      await page.focus(byId('unclean-toggle'));
      await page.keyboard.press('Enter');
      await page.waitForSelector(byId(`unclean-leader-payments-0-${a}`), { timeout: T });
      assert((await leaderNow()) === a, `broker ${a} (outside the ISR) became leader`);
      assert((await page.locator(byId('unclean-toggle')).getAttribute('aria-checked')) === 'true', 'the switch is on');
      await page.waitForSelector(byId('unclean-mark-payments-0'), { timeout: T });
      const log = await shownText(page, byId('event-log'));
      assert(log.includes('UNCLEAN leader election'), 'the log shows the unclean election');
      // The old leader comes back and truncates the acknowledged record the new leader never had.
      await page.click(byId(`restart-${leader}`));
      await page.click(byId('advance-10s'));
      await page.waitForFunction((sel) => /truncated \(lost\)/.test(document.querySelector(sel)?.textContent ?? ''), byId('unclean-mark-payments-0'), { timeout: T });
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-unclean.png'), fullPage: true });
      await page.locator('.o-partitions').screenshot({ path: path.join(ARTIFACTS, 'desktop-unclean-partitions.png') });

      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('发送一条消息'), byId('produce-btn'), { timeout: T });
      const zhLog = await shownText(page, `${byId('event-log')} .log-lines`);
      assert(/[\u4e00-\u9fff]/.test(zhLog) && zhLog.includes('崩溃') && zhLog.includes('截断'), `the 中文 log is in Chinese: ${zhLog.slice(0, 200)}`);
      assert(!zhLog.includes(' crashed') && !zhLog.includes(' truncated '), 'no English engine lines in the 中文 log');
      assert(zhLog.includes('UNCLEAN'), 'Kafka-style names stay');
      assert((await page.locator(byId('unclean-mark-payments-0')).innerText()).includes('Unclean leader 选举'), 'the mark is translated');
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-zh-unclean.png'), fullPage: true });
      await page.locator('.o-partitions').screenshot({ path: path.join(ARTIFACTS, 'desktop-zh-unclean-partitions.png') });
      await page.locator(byId('event-log')).screenshot({ path: path.join(ARTIFACTS, 'desktop-zh-log.png') });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `page scrolls horizontally by ${overflow}px on a phone (unclean)`);
      await page.locator(card).screenshot({ path: path.join(ARTIFACTS, 'phone-zh-unclean.png') });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('Produce'), byId('produce-btn'), { timeout: T });
      await page.goto(url);
    });

    await test('KRaft quorum: crash the active controller → failover; a second crash → metadata frozen; restart → recovered', async () => {
      await page.goto(`${url}?preset=quorum`);
      const summary = byId('quorum-summary');
      await page.waitForSelector(summary, { timeout: T });
      await page.waitForFunction((sel) => /^\d+$/.test(document.querySelector(sel)?.dataset.active ?? ''), summary, { timeout: T });
      const text0 = await page.locator(summary).innerText();
      assert(text0.includes('quorum: 3 voters · majority 2 · tolerates 1 failure'), `summary: ${text0}`);
      for (const id of [101, 102, 103]) {
        assert((await page.locator(byId(`controller-${id}`)).count()) === 1, `controller-${id} card`);
        assert((await page.locator(`[data-testid^="link-broker-1-controller-${id}"]`).count()) === 1, `link to controller-${id}`);
      }
      assert((await page.locator(byId('link-controller-101-controller-102')).count()) === 1, 'controllers are linked to each other');
      const first = await page.locator(summary).getAttribute('data-active');
      assert(text0.endsWith(`active controller-${first}`), `summary names the active controller: ${text0}`);
      assert((await page.locator(byId(`controller-${first}`)).getAttribute('data-active')) === 'true', 'the active card is marked');
      assert((await page.locator(byId(`active-mark-${first}`)).count()) === 1, 'the active mark is shown');
      assert((await page.locator(byId('quorum-frozen')).count()) === 0, 'no frozen banner while a controller is active');
      assert((await page.locator(byId('guide-quorum-progress')).innerText()).trim() === '0/4', 'quorum guide at 0/4');
      const log0 = await shownText(page, byId('metadata-log'));
      assert(log0.includes('TopicRecord') && log0.includes('LeaderChangeMessage') && /HW \d+/.test(log0), `metadata log: ${log0.slice(0, 200)}`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-quorum.png'), fullPage: true });

      // Keyboard: the crash button is a real button with an ARIA label.
      const crash = page.locator(byId(`crash-controller-${first}`));
      assert((await crash.getAttribute('aria-label')) === `Crash controller-${first}`, 'crash button label');
      await crash.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        ([sel, f]) => { const a = document.querySelector(sel)?.dataset.active; return a && a !== 'none' && a !== f; },
        [summary, first],
        { timeout: T },
      );
      const second = await page.locator(summary).getAttribute('data-active');
      const text1 = await page.locator(summary).innerText();
      assert(/epoch [2-9]/.test(text1) && text1.endsWith(`active controller-${second}`), `after the failover: ${text1}`);
      assert((await page.locator(byId(`controller-${first}`)).getAttribute('data-role')) === 'down', 'the crashed voter is down');
      assert((await page.locator(byId(`restart-controller-${first}`)).getAttribute('aria-disabled')) === 'false', 'it can be restarted');
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === '2/4', byId('guide-quorum-progress'), { timeout: T });
      await shot(page, '.o-cluster', 'desktop-quorum-failover.png');

      // A second crash: 1 of 3 is not a majority.
      await page.click(byId(`crash-controller-${second}`));
      await page.click(byId('advance-10s'));
      await page.waitForSelector(byId('quorum-frozen'), { timeout: T });
      await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.active === 'none', summary, { timeout: T });
      const text2 = await page.locator(summary).innerText();
      assert(text2.endsWith('active none (metadata frozen)'), `frozen summary: ${text2}`);
      const banner = await page.locator(byId('quorum-frozen')).innerText();
      assert(/frozen/.test(banner) && /majority of 2/.test(banner) && /ISR/.test(banner), `banner: ${banner}`);
      const metrics = await page.locator(byId('metrics')).innerText();
      assert(/0\s*ActiveControllerCount/.test(metrics), `ActiveControllerCount should be 0: ${metrics}`);
      // Admin requests time out; data keeps flowing.
      await page.selectOption(byId('add-partitions-select'), '4');
      await page.click(byId('add-partitions-btn'));
      const refused = await page.locator(byId('partitions-result')).innerText({ timeout: T });
      assert(refused.includes('REQUEST_TIMED_OUT'), `add partitions while frozen: ${refused}`);
      const produced = await produce(page);
      assert(/offset \d+/.test(produced), `produce while frozen: ${produced}`);
      assert((await page.locator(byId('guide-quorum-progress')).innerText()).trim() === '3/4', 'quorum guide at 3/4');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-quorum-frozen.png'), fullPage: true });
      await shot(page, '.o-cluster', 'desktop-quorum-frozen-cluster.png');
      await shot(page, byId('metadata-log'), 'desktop-quorum-metalog.png');
      await shot(page, byId('in-flight'), 'desktop-quorum-network.png');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, '.o-cluster', 'desktop-quorum-frozen-cluster-dark.png');
      await shot(page, byId('in-flight'), 'desktop-quorum-network-dark.png');
      await page.emulateMedia({ colorScheme: 'light' });

      // 中文: the banner and the quorum line are translated; Kafka's names stay.
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('元数据已冻结'), byId('quorum-frozen'), { timeout: T });
      const zh = await page.locator(summary).innerText();
      assert(zh.includes('仲裁') && zh.includes('多数派 2'), `中文 summary: ${zh}`);
      await shot(page, '.o-cluster', 'desktop-zh-quorum-frozen.png');
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('Produce'), byId('produce-btn'), { timeout: T });

      // The run is shareable: crash codes for controllers travel in the link.
      await page.click(byId('play-toggle'));
      await page.click(byId('share-link'));
      const shared = page.url();
      assert(shared.includes(`:cc${first}`) && shared.includes(`:cc${second}`), `controller crashes in the link: ${shared}`);

      // Phone: reopen the shared run at 390 px; the metadata log starts folded.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      await page.waitForSelector(byId('quorum-frozen'), { timeout: T });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `page scrolls horizontally by ${overflow}px on a phone (quorum)`);
      for (const id of [`crash-controller-${first}`, `restart-controller-${first}`, `restart-controller-${second}`]) {
        const box = await page.locator(byId(id)).boundingBox();
        assert(box && box.width >= 24 && box.height >= 24, `${id} too small or hidden on a phone`);
      }
      assert(!(await page.locator(`${byId('metadata-log')} details`).evaluate((d) => d.open)), 'the metadata log is folded on a phone');
      await page.locator(byId('quorum')).scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'phone-quorum.png') });
      await shot(page, '.o-cluster', 'phone-quorum-cluster.png');
      await page.locator(`${byId('metadata-log')} summary`).click();
      await page.waitForFunction((sel) => document.querySelector(sel)?.open === true, `${byId('metadata-log')} details`, { timeout: T });
      await shot(page, byId('metadata-log'), 'phone-quorum-metalog.png');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, '.o-cluster', 'phone-quorum-cluster-dark.png');
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 1280, height: 800 });

      // A restart brings a majority back.
      // (The reloaded page plays again.)
      await page.click(byId(`restart-controller-${first}`));
      await page.waitForFunction((sel) => /^\d+$/.test(document.querySelector(sel)?.dataset.active ?? ''), summary, { timeout: T });
      assert((await page.locator(byId('quorum-frozen')).count()) === 0, 'the banner goes away');
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === '4/4', byId('guide-quorum-progress'), { timeout: T });
    });

    await test('KRaft quorum: a cut-off active controller → uncommitted metadata, check-quorum, abandoned and truncated', async () => {
      await page.goto(`${url}?preset=quorum`);
      const summary = byId('quorum-summary');
      await page.waitForFunction((sel) => /^\d+$/.test(document.querySelector(sel)?.dataset.active ?? ''), summary, { timeout: T });
      const active = await page.locator(summary).getAttribute('data-active');
      await page.click(byId('play-toggle'));
      for (const other of ['101', '102', '103'].filter((c) => c !== active)) {
        const [a, b] = [active, other].sort();
        // Keyboard: an arc's bounding-box centre is not on the arc, so focus it and press Enter.
        await page.locator(byId(`link-controller-${a}-controller-${b}`)).focus();
        await page.keyboard.press('Enter');
      }
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.trim() === '2', byId('cut-count'), { timeout: T });
      await page.selectOption(byId('add-partitions-select'), '4');
      await page.click(byId('add-partitions-btn'));
      await page.click(byId('step-btn'));
      await page.waitForSelector(`${byId('metadata-log')} .meta-rec.uncommitted`, { timeout: T });
      const pending = await page.locator(byId('partitions-result')).innerText({ timeout: T });
      assert(pending.includes('not committed yet'), `pending result: ${pending}`);
      assert((await page.locator(byId('partition-count')).innerText()).trim() === '3', 'uncommitted partitions are not visible');
      await shot(page, byId('metadata-log'), 'desktop-quorum-uncommitted.png');
      // Play on: after 1.5 × controller.quorum.fetch.timeout.ms without fetches the leader resigns.
      await page.click(byId('play-toggle'));
      await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').includes('NOT_CONTROLLER'), byId('partitions-result'), { timeout: T });
      await page.click(byId('heal-network'));
      await page.waitForFunction(
        (sel) => (document.querySelector(sel)?.textContent ?? '').includes('truncated its metadata log'),
        byId('event-log'),
        { timeout: T },
      );
      assert((await page.locator(`${byId('metadata-log')} .meta-rec.uncommitted`).count()) === 0, 'everything is committed after the heal');
      assert((await page.locator(byId('partition-count')).innerText()).trim() === '3', 'the abandoned partitions never appeared');
      await page.goto(url);
    });

    await test('producer pipeline: linger.ms 100 + a stream → batches accumulate, then complete; kafka-python + idempotence → ConfigException', async () => {
      await page.goto(`${url}?preset=orders`);
      const pipe = byId('producer-pipeline');
      await page.waitForSelector(pipe, { timeout: T });
      const strip = (await page.locator(`${pipe} .pipe-strip`).innerText()).replace(/\s+/g, ' ');
      const order = ['send()', 'serializer', 'partitioner', 'accumulator', 'sender', 'leader', 'ack'].map((n) => strip.indexOf(n));
      assert(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `the 7 steps in order: ${strip}`);
      assert((await page.locator(byId('badge-acks')).innerText()).trim() === 'acks=all', 'acks badge');
      assert((await page.locator(byId('badge-retries')).innerText()).trim() === 'retries=0', 'the demo producer has retries=0');
      for (const b of [1, 2, 3]) {
        assert((await page.locator(byId(`inflight-${b}`)).getAttribute('data-max')) === '5', `inflight-${b} shows max.in.flight 5`);
      }
      // Kafka's names, with the engine's explanation as tooltip and help text.
      const lingerTitle = await page.locator(byId('linger-select')).getAttribute('title');
      assert(/fill a batch/.test(lingerTitle), `linger.ms tooltip: ${lingerTitle}`);
      // Keyboard: the select is a real <select>.
      await page.focus(byId('linger-select'));
      await page.selectOption(byId('linger-select'), '100');
      await page.waitForFunction((sel) => /linger\.ms 100/.test(document.querySelector(sel)?.textContent ?? ''), `${pipe} .stage-acc .pipe-h`, { timeout: T });

      // Paused: the stream's first record opens a batch that lingers; Step lets the next ones in.
      await page.click(byId('play-toggle'));
      const batchSel = 'li[data-testid^="batch-"][data-state]';
      await page.focus(byId('produce-stream'));
      await page.keyboard.press('Enter');
      await page.waitForSelector(`${batchSel}[data-state="accumulating"]`, { timeout: T });
      assert((await page.locator(byId('produce-stream')).getAttribute('aria-disabled')) === 'true', 'the stream button waits while streaming');
      for (let i = 0; i < 8; i++) {
        await page.click(byId('step-btn'));
        await page.waitForTimeout(80);
      }
      await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((b) => b.dataset.state === 'accumulating' && Number(b.dataset.records) > 1), batchSel, { timeout: T });
      const stepBusy = await page.locator(byId('pipe-step-4')).getAttribute('class');
      assert(stepBusy.includes('busy'), `the accumulator step lights up: ${stepBusy}`);
      await shot(page, pipe, 'desktop-pipeline-accumulating.png');

      // Let the stream finish: every batch is acknowledged as a whole.
      await page.click(byId('advance-1s'));
      await page.waitForFunction((sel) => document.querySelectorAll(`${sel}[data-status="ok"]`).length >= 20, byId('produce-result'), { timeout: T });
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 0, batchSel, { timeout: T });
      const done = await page.locator('li[data-testid^="done-batch-"]').evaluateAll((els) => els.map((e) => Number(e.dataset.records)));
      assert(done.length > 0 && done.every((n) => n > 1), `completed batches carry several records: ${done}`);
      const rpr = await page.locator(`${pipe} .pipe-metrics`).innerText();
      assert(/records-per-request-avg/.test(rpr) && !/0\.00\s*records-per-request-avg/.test(rpr.replace(/\n/g, ' ')), `records-per-request-avg: ${rpr}`);
      await shot(page, pipe, 'desktop-pipeline-done.png');
      await page.click(byId('share-link'));
      const shared = page.url();
      assert(shared.includes(':kl100') && shared.includes(':ps'), `linger.ms and the stream travel in the link: ${shared}`);

      // Client defaults, then enable.idempotence=true explicitly: Kafka's ConfigException next to it.
      await page.click(byId('client-kafka-python'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-pressed') === 'true', byId('client-kafka-python'), { timeout: T });
      assert((await page.locator(byId('badge-acks')).innerText()).trim() === 'acks=1', 'kafka-python: acks=1');
      assert((await page.locator(byId('client-java')).getAttribute('aria-pressed')) === 'false', 'one client at a time');
      await page.focus(byId('idempotence-toggle'));
      await page.keyboard.press('Enter');
      const err = await page.locator(byId('idempotence-toggle-error')).innerText({ timeout: T });
      assert(err.includes('ConfigException') && /Must set (retries|acks)/.test(err), `ConfigException shown: ${err}`);
      assert((await page.locator(byId('idempotence-toggle')).getAttribute('aria-checked')) === 'false', 'the refused change did not apply');
      await shot(page, `${pipe} .pipe-configs`, 'desktop-pipeline-config-error.png');
      // Java defaults apply without a refusal (idempotence is turned on last).
      await page.click(byId('client-java'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-checked') === 'true', byId('idempotence-toggle'), { timeout: T });
      assert((await page.locator(byId('client-config-error')).count()) === 0, 'no refusal for the Java defaults');
      await page.click(byId('play-toggle'));
      await page.click(byId('produce-stream'));
      await page.waitForSelector(`${byId('badge-idempotence')}[data-on="true"]`, { timeout: T });
      await page.waitForFunction((sel) => /producerId \d+ · epoch \d+/.test(document.querySelector(sel)?.textContent ?? ''), byId('badge-idempotence'), { timeout: T });
      await page.click(byId('play-toggle'));
      // Let that stream finish (paused, a slow machine may not have played it all) before the phone
      // part starts another: the stream button waits while a stream is running.
      await page.click(byId('advance-1s'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-disabled') === 'false', byId('produce-stream'), { timeout: T });
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, pipe, 'desktop-pipeline-dark.png');
      await shot(page, '.o-producer', 'desktop-producer-dark.png');
      await page.emulateMedia({ colorScheme: 'light' });

      // 中文: steps keep Kafka's names, explanations are translated.
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('决定分区'), pipe, { timeout: T });
      await shot(page, pipe, 'desktop-zh-pipeline.png');
      await page.click(byId('lang-toggle'));
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('Produce'), byId('produce-btn'), { timeout: T });

      // Phone: no horizontal scroll, the controls are big enough, batches visible.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.click(byId('produce-stream'));
      await page.click(byId('step-btn'));
      await page.waitForSelector(batchSel, { timeout: T });
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `page scrolls horizontally by ${overflow}px on a phone (pipeline)`);
      for (const id of ['produce-stream', 'linger-select', 'batch-size-select', 'idempotence-toggle', 'retries-select', 'max-in-flight-select', 'client-java', 'client-kafka-python']) {
        const box = await page.locator(byId(id)).boundingBox();
        assert(box && box.width >= 24 && box.height >= 24, `${id} too small or hidden on a phone`);
      }
      await shot(page, pipe, 'phone-pipeline.png');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, pipe, 'phone-pipeline-dark.png');
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.click(byId('play-toggle'));
      await page.goto(url);
    });

    await test('5 × 30 × RF 3 under a stream: panels out of view update about once a second, in view with every reply; timeline marks keep their elements', async () => {
      await page.goto(`${url}?preset=large`);
      await page.waitForSelector(byId('matrix-events'), { timeout: T });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.evaluate((sel) => {
        window.__streaming = setInterval(() => {
          const b = document.querySelector(sel);
          if (b && b.getAttribute('aria-disabled') !== 'true') b.click();
        }, 100);
      }, byId('produce-stream'));
      // In how many animation frames each part of the page changed, over `ms`.
      const watch = (ms) => page.evaluate(async (ms) => {
        const seen = { log: new Set(), clock: new Set(), rewritten: 0 };
        let frame = 0;
        let on = true;
        const tick = () => { frame += 1; if (on) requestAnimationFrame(tick); };
        requestAnimationFrame(tick);
        const observers = [
          [document.querySelector('.panel.log'), () => seen.log.add(frame)],
          [document.querySelector('[data-testid="clock"]'), () => seen.clock.add(frame)],
          // A mark's tooltip text only changes if its element was reused for another mark.
          [document.querySelector('.timeline-marks'), (ms) => { seen.rewritten += ms.filter((m) => m.type === 'characterData').length; }],
        ].map(([el, f]) => {
          const o = new MutationObserver(f);
          o.observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
          return o;
        });
        await new Promise((r) => setTimeout(r, ms));
        on = false;
        observers.forEach((o) => o.disconnect());
        return { log: seen.log.size, clock: seen.clock.size, rewritten: seen.rewritten };
      }, ms);
      const away = await watch(3000);
      assert(away.clock >= 10, `the clock should change with every reply: ${JSON.stringify(away)}`);
      assert(away.log >= 1 && away.log <= 5, `the event log out of view should change about once a second: ${JSON.stringify(away)}`);
      assert(away.rewritten === 0, `timeline marks were rewritten: ${JSON.stringify(away)}`);
      await page.locator('.panel.log').scrollIntoViewIfNeeded();
      const near = await watch(2000);
      assert(near.log >= 8, `the event log in view should change with the replies: ${JSON.stringify(near)}`);
      await page.evaluate(() => clearInterval(window.__streaming));
      await page.evaluate(() => window.scrollTo(0, 0));
    });

    await test('phone 390×844: no horizontal scroll, controls reachable, produce works, reduced motion', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      await page.waitForSelector(byId('broker-1'), { timeout: T });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `page scrolls horizontally by ${overflow}px`);
      for (const id of ['produce-btn', 'acks-select', 'min-isr-select', 'advance-10s', 'lang-toggle', 'crash-1', 'isolate-1', 'slow-1', 'heal-network']) {
        const box = await page.locator(byId(id)).boundingBox();
        assert(box && box.width >= 24 && box.height >= 24, `${id} too small or hidden on a phone`);
      }
      const text = await produce(page);
      assert(/offset \d+/.test(text), `expected an offset on the phone, got: ${text}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'phone.png'), fullPage: false });
      // prefers-reduced-motion: no animation anywhere (spinners, the running dot, envelope glides).
      await page.emulateMedia({ reducedMotion: 'reduce' });
      const moving = await page.evaluate(() =>
        [...document.querySelectorAll('*')].filter((el) => {
          const cs = getComputedStyle(el);
          const anim = cs.animationName !== 'none' && parseFloat(cs.animationDuration) > 0;
          const trans = cs.transitionDuration.split(',').some((d) => parseFloat(d) > 0);
          return anim || trans;
        }).length,
      );
      assert(moving === 0, `${moving} elements still animate under prefers-reduced-motion`);
      await page.emulateMedia({ reducedMotion: 'no-preference' });
      await page.screenshot({ path: path.join(ARTIFACTS, 'phone-full.png'), fullPage: true });
      await page.click(byId('isolate-1'));
      await page.selectOption(byId('slow-2'), '400');
      await page.click(byId('advance-10s'));
      await page.waitForTimeout(500);
      const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow2 <= 1, `page scrolls horizontally by ${overflow2}px with cuts`);
      await page.locator(byId('in-flight')).screenshot({ path: path.join(ARTIFACTS, 'phone-network.png') });
    });

    await test('the lessons file fails to load: the sandbox works, the lesson list says why', async () => {
      // dist/ without its lessons-<hash>.json, on another origin (no service worker has it).
      const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'kplay-nolessons-'));
      let other;
      let p2;
      try {
        for (const f of await fs.readdir(DIST)) {
          if (!/^lessons-[0-9a-f]{8}\.json$/.test(f)) await fs.copyFile(path.join(DIST, f), path.join(copy, f));
        }
        other = await serve(copy);
        p2 = await context.newPage();
        await p2.goto(other.url);
        await p2.waitForSelector(`${byId('produce-btn')}:not([aria-disabled="true"])`, { timeout: T });
        await p2.click(byId('produce-btn'));
        await p2.waitForFunction((sel) => /offset \d+/.test(document.querySelector(sel)?.textContent ?? ''), byId('produce-result'), { timeout: T });
        await p2.click(byId('lessons-tab'));
        const why = (await p2.locator(byId('lessons-error')).textContent()) ?? '';
        assert(/lessons-[0-9a-f]{8}\.json: HTTP 404/.test(why), `the reason is shown: ${why}`);
      } finally {
        await p2?.close();
        other?.server.close();
        await fs.rm(copy, { recursive: true, force: true });
      }
    });

    await lessonTests({ page, url, test, assert, ARTIFACTS });
    await groupTests({ page, url, test, assert, ARTIFACTS });
    await embedTests({ context, test, assert, ARTIFACTS, DIST, serve });
  } finally {
    if (pageErrors.length) console.log(`  page errors:\n    ${pageErrors.join('\n    ')}`);
    await context.close();
    server.close();
    await fs.rm(profile, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`E2E: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.log(String(e && e.stack ? e.stack : e));
  console.log(`E2E: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
});
