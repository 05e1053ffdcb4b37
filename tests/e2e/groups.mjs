// End-to-end tests of the consumer-groups panel (web/src/ui/groups.rs), the partitions panel at
// scale (the `large` preset: 5 brokers × 30 partitions × RF 3) and drag-to-cut in the network
// view. Run by e2e.mjs on the same page; screenshots in artifacts/.
import path from 'node:path';

const T = 15_000;
const byId = (id) => `[data-testid="${id}"]`;

/** Presses "+1 s" until `check()` holds in the page (at most `tries` times). */
async function advanceUntil(page, check, arg, what, tries = 40) {
  for (let i = 0; i < tries; i++) {
    if (await page.evaluate(check, arg)) return;
    const before = await page.locator(byId('clock')).innerText();
    await page.click(byId('advance-1s'));
    await page.waitForFunction(([sel, b]) => document.querySelector(sel)?.innerText !== b, [byId('clock'), before], { timeout: T });
  }
  throw new Error(`not reached after ${tries} s: ${what}`);
}

const text = (sel) => document.querySelector(sel)?.innerText ?? '';

async function addConsumer(page, { group = 'billing', assignor, session = '6000' } = {}) {
  await page.fill(byId('group-id-input'), group);
  if (assignor) await page.selectOption(byId('assignor-select'), assignor);
  await page.selectOption(byId('session-select'), session);
  const label = await page.getAttribute(byId('add-consumer'), 'aria-label');
  const name = label.match(/consumer-\d+/)[0];
  await page.click(byId('add-consumer'));
  await page.waitForSelector(byId(`consumer-${name}`), { timeout: T });
  return name;
}

export async function groupTests({ page, url, test, assert, ARTIFACTS }) {
  await test('groups: two consumers join → Stable, generation, coordinator, assignment and lag; keyboard stop/resume polling; crash and close rebalance', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${url}?preset=orders`);
    await page.waitForSelector(byId('groups-panel'), { timeout: T });
    await page.click(byId('play-toggle'));
    // Records first, so the group has something to read and a lag to show.
    for (let i = 0; i < 3; i++) await page.click(byId('produce-btn'));
    const c1 = await addConsumer(page, { assignor: 'roundrobin' });
    await page.waitForSelector(byId('group-billing'), { timeout: T });
    await advanceUntil(page, (sel) => document.querySelector(sel)?.innerText === 'Stable', byId('group-state-billing'), 'billing Stable');
    const gen1 = Number(await page.locator(byId('group-generation-billing')).innerText());
    assert(gen1 >= 1, `generation should be ≥ 1, got ${gen1}`);
    const coord = await page.locator(byId('group-coordinator-billing')).innerText();
    assert(/^broker-\d \(__consumer_offsets-\d+\)$/.test(coord), `coordinator: ${coord}`);
    const a1 = await page.locator(byId(`consumer-assignment-${c1}`)).innerText();
    assert(['orders-0', 'orders-1', 'orders-2'].every((tp) => a1.includes(tp)), `a lone consumer owns every partition: ${a1}`);
    const badges = await page.locator(`${byId(`consumer-${c1}`)} .cfg-badges`).innerText();
    assert(badges.includes('roundrobin') && badges.includes('6000'), `config badges: ${badges}`);
    const rows = await page.locator(`${byId('group-partitions-billing')} tbody tr`).count();
    assert(rows === 3, `3 partition rows, got ${rows}`);
    // The group's RPCs travel in the network view from the consumer's node.
    assert(await page.locator(`g.node[data-node="${c1}"]`).count() === 1, 'consumer node in the network view');

    const c2 = await addConsumer(page, { assignor: 'roundrobin' });
    await advanceUntil(page, ([st, gen]) => document.querySelector(st)?.innerText === 'Stable' && Number(document.querySelector(gen)?.innerText) > 1,
      [byId('group-state-billing'), byId('group-generation-billing')], 'rebalance to generation 2');
    const both = [await page.locator(byId(`consumer-assignment-${c1}`)).innerText(), await page.locator(byId(`consumer-assignment-${c2}`)).innerText()];
    assert(both.every((a) => a !== '—'), `both consumers own partitions: ${both}`);
    const members = await page.locator(`${byId('group-members-billing')} li`).count();
    assert(members === 2, `2 members, got ${members}`);
    const label = await page.getAttribute(byId('group-billing'), 'aria-label');
    assert(label === 'Consumer group billing: Stable', `group aria-label: ${label}`);
    assert((await page.getAttribute(byId(`crash-consumer-${c1}`), 'aria-label')) === `Crash consumer ${c1}`, 'crash button aria-label');
    await page.locator(byId('groups-panel')).screenshot({ path: path.join(ARTIFACTS, 'desktop-groups.png') });

    // Keyboard: stop polling and resume.
    await page.focus(byId(`stop-polling-${c2}`));
    await page.keyboard.press('Enter');
    await page.waitForFunction((sel) => document.querySelector(sel)?.innerText === 'not polling', byId(`consumer-state-${c2}`), { timeout: T });
    await page.focus(byId(`resume-polling-${c2}`));
    await page.keyboard.press('Enter');
    await page.waitForSelector(byId(`stop-polling-${c2}`), { timeout: T });

    // Crash consumer-1: no LeaveGroup; after session.timeout.ms (6 s) the coordinator removes it
    // and consumer-2 owns every partition in a new generation.
    const gen2 = Number(await page.locator(byId('group-generation-billing')).innerText());
    await page.click(byId(`crash-consumer-${c1}`));
    await page.waitForFunction((sel) => document.querySelector(sel)?.innerText === 'stopped', byId(`consumer-state-${c1}`), { timeout: T });
    await advanceUntil(page, ([gen, g2, st]) => Number(document.querySelector(gen)?.innerText) > g2 && document.querySelector(st)?.innerText === 'Stable',
      [byId('group-generation-billing'), gen2, byId('group-state-billing')], 'rebalance after the crash');
    const a2 = await page.locator(byId(`consumer-assignment-${c2}`)).innerText();
    assert(['orders-0', 'orders-1', 'orders-2'].every((tp) => a2.includes(tp)), `consumer-2 owns every partition after the crash: ${a2}`);
    // Close consumer-2: LeaveGroup → the group is Empty, its committed offsets stay.
    await page.click(byId(`close-consumer-${c2}`));
    await advanceUntil(page, (sel) => document.querySelector(sel)?.innerText === 'Empty', byId('group-state-billing'), 'Empty after close');
    await page.locator(byId('groups-panel')).screenshot({ path: path.join(ARTIFACTS, 'desktop-groups-empty.png') });
  });

  await test('groups: 中文 — the panel and its controls are translated, Kafka names kept', async () => {
    await page.click(byId('lang-toggle'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.innerText.includes('消费者组'), byId('groups-panel'), { timeout: T });
    const panel = await page.locator(byId('groups-panel')).innerText();
    for (const zh of ['消费者组', '添加消费者', '成员', '宕机', '关闭']) assert(panel.includes(zh), `missing 中文 “${zh}”`);
    for (const en of ['Add consumer', 'Members', 'Crash', 'Close', 'Stop polling', 'Resume polling', 'processed once', 'stopped', 'No members']) {
      assert(!panel.includes(en), `English “${en}” left in the 中文 groups panel`);
    }
    for (const kafka of ['group.id', 'partition.assignment.strategy', 'session.timeout.ms', 'CURRENT-OFFSET', 'LAG']) {
      assert(panel.includes(kafka), `Kafka name ${kafka} should stay untranslated`);
    }
    await page.locator(byId('groups-panel')).screenshot({ path: path.join(ARTIFACTS, 'desktop-zh-groups.png') });
    await page.click(byId('lang-toggle'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.innerText.includes('Consumer groups'), byId('groups-panel'), { timeout: T });
  });

  await test('scale: 5 brokers × 30 partitions × RF 3 → replica matrix, focus by click and keyboard, collapse, show all; fits a phone', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${url}?preset=large`);
    await page.waitForSelector(byId('matrix-events'), { timeout: T });
    assert(await page.locator('.cluster-grid .broker').count() === 5, '5 broker cards');
    const rows = await page.locator(`${byId('matrix-events')} tbody tr`).count();
    assert(rows === 30, `30 matrix rows, got ${rows}`);
    const leaders = await page.locator(`${byId('matrix-events')} .m-leader`).count();
    assert(leaders === 30, `one leader per partition, got ${leaders}`);
    const replicas = await page.locator(`${byId('matrix-events')} td.m-cell:not(.m-none)`).count();
    assert(replicas === 90, `RF 3 → 90 replica cells, got ${replicas}`);
    assert(await page.locator('article.partition').count() === 0, 'no replica-log cards until a partition is focused');
    await page.click(byId('focus-events-7'));
    await page.waitForSelector(byId('partition-events-7'), { timeout: T });
    assert((await page.getAttribute(byId('focus-events-7'), 'aria-pressed')) === 'true', 'focused partition is pressed');
    await page.focus(byId('focus-events-8'));
    await page.keyboard.press('Enter');
    await page.waitForSelector(byId('partition-events-8'), { timeout: T });
    assert(await page.locator(byId('partition-events-7')).count() === 0, 'focus moves to one partition');
    await page.locator('.o-partitions').screenshot({ path: path.join(ARTIFACTS, 'desktop-large-partitions.png') });
    await page.click(byId('topic-toggle-events'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-expanded') === 'false', byId('topic-toggle-events'), { timeout: T });
    assert(await page.locator(byId('matrix-events')).count() === 0, 'collapsed topic hides its matrix');
    await page.keyboard.press('Tab');
    await page.focus(byId('topic-toggle-events'));
    await page.keyboard.press('Enter');
    await page.waitForSelector(byId('matrix-events'), { timeout: T });
    await page.click(byId('show-all-events'));
    await page.waitForFunction(() => document.querySelectorAll('article.partition').length === 30, null, { timeout: T });
    await page.click(byId('show-all-events'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-large.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `page scrolls horizontally by ${overflow}px on a phone (large preset)`);
    await page.locator('.o-partitions').screenshot({ path: path.join(ARTIFACTS, 'phone-large-partitions.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test('network: drag from broker-1 to broker-2 cuts their link; Enter on the link restores it', async () => {
    await page.goto(url);
    await page.waitForSelector(byId('in-flight'), { timeout: T });
    const link = byId('link-broker-1-broker-2');
    assert((await page.getAttribute(link, 'aria-pressed')) === 'false', 'link starts uncut');
    await page.locator(byId('in-flight')).scrollIntoViewIfNeeded();
    const a = await page.locator('g.node[data-node="broker-1"]').boundingBox();
    const b = await page.locator('g.node[data-node="broker-2"]').boundingBox();
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 8; i++) {
      await page.mouse.move(a.x + a.width / 2 + ((b.x - a.x) * i) / 8, a.y + a.height / 2 + ((b.y - a.y) * i) / 8);
    }
    await page.mouse.up();
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-pressed') === 'true', link, { timeout: T });
    assert((await page.locator(byId('cut-count')).textContent()).trim() === '1', 'one cut');
    await page.locator(byId('in-flight')).screenshot({ path: path.join(ARTIFACTS, 'desktop-network-dragcut.png') });
    await page.focus(link);
    await page.keyboard.press('Enter');
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-pressed') === 'false', link, { timeout: T });
    // A drag that ends on empty space cuts nothing.
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(a.x + a.width / 2, a.y - 200);
    await page.mouse.up();
    await page.waitForTimeout(200);
    assert(await page.locator(byId('cut-count')).count() === 0, 'no cut after a drag to nowhere');
  });
}
