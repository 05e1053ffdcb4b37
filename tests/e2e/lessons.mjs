// End-to-end tests of the lesson player (web/src/ui/lesson.rs), run by e2e.mjs on the same page:
// lesson 四 (RF=3 / min.insync.replicas=2 → NOT_ENOUGH_REPLICAS), lesson 五 (acks) and lesson 六
// (consumer groups: crash a consumer, add a KIP-848 consumer from the form) walked by clicking,
// including their predict steps; the checklist ticks from the worker's replies; progress
// survives a reload and a corrupt stored value shows a notice; screenshots in artifacts/.
import path from 'node:path';

const T = 15_000;
const byId = (id) => `[data-testid="${id}"]`;

async function goalMet(page, id) {
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.met === 'true', byId(`goal-${id}`), { timeout: T });
}

async function atStep(page, stepId) {
  await page.waitForFunction((s) => document.querySelector('[data-testid="lesson-player"]')?.dataset.step === s, stepId, { timeout: T });
}

async function openLesson(page, url, id) {
  await page.goto(`${url}?view=lessons`);
  await page.waitForSelector(byId(`lesson-open-${id}`), { timeout: T });
  await page.click(byId(`lesson-open-${id}`));
  await page.waitForSelector(byId('lesson-player'), { timeout: T });
}

/** "Show me" on the current step, wait until it is done (its dot ticks), then Next. */
async function showMeAndNext(page, index, nextStep) {
  await page.click(byId('show-me'));
  await page.waitForFunction((sel) => document.querySelector(sel)?.classList.contains('done'), byId(`step-dot-${index}`), { timeout: T });
  await page.click(byId('lesson-next'));
  await atStep(page, nextStep);
}

async function send(page) {
  const before = await page.locator(byId('produce-result')).count();
  await page.click(byId('lc-produce'));
  await page.waitForFunction(
    ([sel, n]) => {
      const rows = document.querySelectorAll(sel);
      return rows.length > n && rows[0].dataset.status !== 'pending';
    },
    [byId('produce-result'), before],
    { timeout: T },
  );
  return (await page.locator(byId('produce-result')).first().innerText()).replace(/\s+/g, ' ');
}

export async function lessonTests({ page, url, test, assert, ARTIFACTS }) {
  // Full-page screenshots without the sticky simulation bar drawn over the middle of the page.
  const shot = async (file) => {
    const bar = (pos) => page.evaluate((p) => document.querySelector('.simbar')?.style.setProperty('position', p), pos);
    await bar('static');
    await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
    await bar('');
  };

  await test('lessons: the list by section with mastery; sandbox stays the default', async () => {
    await page.goto(url);
    await page.evaluate(() => localStorage.removeItem('kplay.progress'));
    await page.waitForSelector(byId('broker-1'), { timeout: T });
    assert(await page.locator(byId('sandbox-tab')).getAttribute('aria-current') === 'page', 'the sandbox is the default view');
    await page.click(byId('lessons-tab'));
    await page.waitForSelector(byId('lesson-card-04-topics-partitions'), { timeout: T });
    for (const id of ['01-basics', '02-versions-kraft', '03-configuration', '04-topics-partitions', '05-producers']) {
      assert(await page.locator(byId(`lesson-card-${id}`)).getAttribute('data-complete') === 'false', `${id} should start incomplete`);
    }
    assert(await page.locator(byId('mastery-overall')).getAttribute('data-percent') === '0', 'mastery starts at 0');
    await shot('lessons-list.png');
  });

  await test('lesson 四 by clicking: crash broker 3 → ISR {1,2}; predict acks=all; crash broker 2 → NOT_ENOUGH_REPLICAS; acks=1 → ok', async () => {
    await openLesson(page, url, '04-topics-partitions');
    await atStep(page, 'topic');
    // The steps before the replication step: the reference solution ("Show me").
    await showMeAndNext(page, 0, 'key');
    await showMeAndNext(page, 1, 'no-key');
    await showMeAndNext(page, 2, 'custom');
    await showMeAndNext(page, 3, 'partition-count');
    await showMeAndNext(page, 4, 'replication');
    // Replication: crash broker 3 on its card, wait 10 s, watch the ISR shrink.
    assert(await page.locator(byId('isolate-1')).count() === 0, 'isolate is not a control of this step: hidden');
    await page.click(byId('crash-3'));
    await page.waitForFunction(() => document.querySelector('[data-testid="crash-3"]')?.getAttribute('aria-disabled') === 'true', null, { timeout: T });
    await page.click(byId('lc-advance-10000'));
    const ids = await page.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => e.dataset.testid.slice(5)));
    for (const id of ids) await goalMet(page, id);
    await page.click(byId('lesson-next'));
    await atStep(page, 'min-isr');

    // Predict: controls are locked until the prediction is answered.
    assert(await page.locator(byId('lc-produce')).getAttribute('aria-disabled') === 'true', 'controls locked before predicting');
    assert(await page.locator(byId('predict-run')).isDisabled(), 'run needs a pick');
    await page.click(byId('predict-choice-ok'));
    await page.click(byId('predict-run'));
    await page.waitForSelector(byId('predict-result'), { timeout: T });
    const result = page.locator(byId('predict-result'));
    assert(await result.getAttribute('data-correct') === 'true', 'acks=all with ISR {1,2} and min ISR 2 succeeds');
    const why = await result.innerText();
    assert(why.includes('min.insync.replicas=2'), `the why names the rule: ${why}`);
    assert(await page.locator(byId('predict-choice-ok')).evaluate((e) => e.classList.contains('right')), 'the engine answer is marked');
    await shot('lesson-04-predict.png');

    // Crash broker 2, wait, acks=all → NOT_ENOUGH_REPLICAS.
    const goals = await page.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => e.dataset.testid.slice(5)));
    assert(goals.length === 3, `three goals, got ${goals}`);
    await page.click(byId('crash-2'));
    // "advance" is not a control of this step: time passes on its own, or with the sim bar's +10 s.
    assert(await page.locator(byId('lc-advance-10000')).count() === 0, 'no wait control in this step');
    await page.click(byId('advance-10s'));
    await page.waitForFunction(() => (document.querySelector('[data-testid="isr-payments-0"]')?.textContent ?? '').split(',').filter((s) => s.trim()).length === 1, null, { timeout: T });
    const ner = await send(page);
    assert(ner.includes('NOT_ENOUGH_REPLICAS'), `expected NOT_ENOUGH_REPLICAS, got ${ner}`);
    await goalMet(page, goals[0]);
    await goalMet(page, goals[2]);
    assert(await page.locator(byId(`goal-${goals[1]}`)).getAttribute('data-met') === 'false', 'the acks=1 goal is not met yet');
    // acks=1 → ok.
    await page.selectOption(byId('lc-acks-value'), '1');
    await page.click(byId('lc-acks-apply'));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="lc-acks-value"] option')].some((o) => o.selected && o.value === '1'), null, { timeout: T });
    const ok = await send(page);
    assert(/offset \d+/.test(ok), `expected an offset with acks=1, got ${ok}`);
    await goalMet(page, goals[1]);
    await page.waitForSelector(byId('step-done'), { timeout: T });
    await shot('lesson-04-min-isr.png');

    // The rest by "Show me": the lesson completes and is stored.
    await showMeAndNext(page, 6, 'recover');
    await page.click(byId('show-me'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.classList.contains('done'), byId('step-dot-7'), { timeout: T });
    await page.click(byId('lesson-next'));
    await atStep(page, 'offsets');
    // Earlier steps done by "Show me" count too; step dots are all done.
    await page.click(byId('show-me'));
    await page.waitForSelector(byId('lesson-complete'), { timeout: T });
    const stored = await page.evaluate(() => localStorage.getItem('kplay.progress'));
    assert(stored && JSON.parse(stored).completed_lessons.includes('04-topics-partitions'), `progress stored: ${stored}`);
  });

  await test('lesson 五 by clicking: produce acks=all; predict the acks=0 offset (-1); acks 1 and all', async () => {
    await openLesson(page, url, '05-producers');
    await atStep(page, 'flow');
    const r1 = await send(page);
    assert(/offset \d+/.test(r1), `expected an offset, got ${r1}`);
    for (const id of await page.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => e.dataset.testid.slice(5)))) {
      await goalMet(page, id);
    }
    await page.click(byId('lesson-next'));
    await atStep(page, 'acks');
    // Pick the wrong answer on purpose: the engine's answer and the why are shown anyway.
    await page.click(byId('predict-choice-one'));
    await page.click(byId('predict-run'));
    await page.waitForSelector(byId('predict-result'), { timeout: T });
    assert(await page.locator(byId('predict-result')).getAttribute('data-correct') === 'false', 'the pick "1" is wrong');
    assert(await page.locator(byId('predict-choice-minus-one')).evaluate((e) => e.classList.contains('right')), '-1 is the engine answer');
    const goals = await page.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => e.dataset.testid.slice(5)));
    await goalMet(page, goals[0]); // the prediction's action wrote with acks=0
    await page.selectOption(byId('lc-acks-value'), '1');
    await page.click(byId('lc-acks-apply'));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="lc-acks-value"] option')].some((o) => o.selected && o.value === '1'), null, { timeout: T });
    await send(page);
    await goalMet(page, goals[1]);
    await page.selectOption(byId('lc-acks-value'), 'all');
    await page.click(byId('lc-acks-apply'));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="lc-acks-value"] option')].some((o) => o.selected && o.value === 'all'), null, { timeout: T });
    await send(page);
    await goalMet(page, goals[2]);
    await page.waitForSelector(byId('step-done'), { timeout: T });
    await shot('lesson-05-acks.png');
    // Simplifications and real Kafka material are there, copyable.
    assert((await page.locator(byId('simplifications')).innerText()).length > 50, 'simplifications shown');
    await page.click(byId('rk-tab-java'));
    assert((await page.locator(byId('rk-code')).innerText()).includes('ProducerConfig.ACKS_CONFIG'), 'Java snippet');
  });

  await test('lesson 六 consumers by clicking: the groups panel, crash a consumer from the step controls, add a KIP-848 consumer from the form', async () => {
    await openLesson(page, url, '06-consumers');
    await page.click(byId('step-dot-2'));
    await atStep(page, 'rebalance');
    // The demo's group g is shown with its members; the step's controls are locked until the prediction.
    await page.waitForSelector(byId('group-g'), { timeout: T });
    assert(await page.locator(byId('lc-crash-consumer')).getAttribute('aria-disabled') === 'true', 'consumer controls locked before predicting');
    assert(await page.locator(byId('crash-consumer-Consumer1')).count() === 0, 'no card buttons while the prediction is open');
    assert(await page.locator(byId('lc-add-consumer')).count() === 0, 'add_consumer is not a control of this step');
    await page.click(byId('predict-choice-p1'));
    await page.click(byId('predict-run'));
    await page.waitForSelector(byId('predict-result'), { timeout: T });
    assert(await page.locator(byId('predict-result')).getAttribute('data-correct') === 'true', 'RangeAssignor: Consumer2 gets P1');
    // Only the allowed consumer actions appear on the cards: crash and close, not stop/resume polling.
    await page.waitForSelector(byId('crash-consumer-Consumer2'), { timeout: T });
    assert(await page.locator(byId('close-consumer-Consumer2')).count() === 1, 'close is allowed');
    assert(await page.locator('[data-testid^="stop-polling-"]').count() === 0, 'stop_polling is not allowed: hidden');
    assert(await page.locator(byId('add-consumer-form')).count() === 0, "the sandbox's add form is not in a lesson");
    // The step control starts on the reference's consumer; keyboard only.
    assert(await page.locator(byId('lc-consumer')).inputValue() === 'Consumer2', 'the reference consumer is preselected');
    assert((await page.locator(byId('lc-crash-consumer')).getAttribute('aria-label')).includes('session.timeout.ms'), 'the button explains itself');
    await page.focus(byId('lc-crash-consumer'));
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="consumer-state-Consumer2"]')?.textContent.match(/stopped|已停止/), null, { timeout: T });
    await page.click(byId('lc-advance-10000'));
    await page.click(byId('lc-advance-10000'));
    for (const id of await page.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => e.dataset.testid.slice(5)))) {
      await goalMet(page, id);
    }
    await page.waitForSelector(byId('step-done'), { timeout: T });
    await shot('lesson-06-rebalance.png');

    // Protocols: after the prediction (S3 joins coop), the form starts on the solution's K3.
    await page.click(byId('lesson-next'));
    await atStep(page, 'protocols');
    await page.click(byId('predict-choice-keeps'));
    await page.click(byId('predict-run'));
    await page.waitForSelector(byId('predict-result'), { timeout: T });
    await page.waitForFunction(() => document.querySelector('[data-testid="lc-ac-name"]')?.value === 'K3', null, { timeout: T });
    assert(await page.locator(byId('lc-ac-group')).inputValue() === 'kip848', 'group.id from the reference');
    assert(await page.locator(byId('lc-ac-group-protocol')).inputValue() === 'consumer', 'group.protocol from the reference');
    assert(await page.locator(byId('lc-ac-topic-orders')).isChecked(), 'subscribed to orders');
    const strategies = await page.locator(`${byId('lc-ac-partition-assignment-strategy')} option`).allInnerTexts();
    assert(strategies.some((t) => t.includes('cooperative-sticky')) && strategies.some((t) => t.startsWith('default')), `assignors offered: ${strategies}`);
    // A form without a topic is refused with a readable message, nothing is sent.
    await page.uncheck(byId('lc-ac-topic-orders'));
    await page.click(byId('lc-add-consumer'));
    await page.waitForSelector(byId('lc-add-consumer-error'), { timeout: T });
    await page.check(byId('lc-ac-topic-orders'));
    await page.click(byId('lc-add-consumer'));
    await page.waitForSelector(byId('consumer-K3'), { timeout: T });
    assert(await page.locator(byId('lc-add-consumer-error')).count() === 0, 'the error goes away');
    await page.click(byId('lc-advance-10000'));
    for (const id of await page.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => e.dataset.testid.slice(5)))) {
      await goalMet(page, id);
    }
    await page.waitForSelector(byId('step-done'), { timeout: T });
    await shot('lesson-06-protocols.png');
    await page.locator(byId('lesson-controls')).screenshot({ path: path.join(ARTIFACTS, 'lesson-06-controls.png') });
    // Phone: the consumer form and the groups fit the width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `the consumer lesson scrolls horizontally by ${overflow}px on a phone`);
    await shot('lesson-06-phone.png');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await test('lesson 四 challenge and question: make acks=all fail with NOT_ENOUGH_REPLICAS; answer a question; mastery rises', async () => {
    await openLesson(page, url, '04-topics-partitions');
    const before = Number(await page.evaluate(() => JSON.parse(localStorage.getItem('kplay.progress') ?? '{}').solved_challenges?.length ?? 0));
    await page.click(byId('question-q4-ordering-partition'));
    await page.waitForSelector(`${byId('question-q4-ordering')} .good-text`, { timeout: T });
    await page.click(byId('challenge-start-c4-not-enough-replicas'));
    await page.waitForSelector(byId('challenge-player'), { timeout: T });
    assert(await page.locator(byId('show-me')).count() === 0, 'no "Show me" in a challenge');
    const [goal] = await page.locator(`${byId('goal-list')} li`).evaluateAll((els) => els.map((e) => e.dataset.testid.slice(5)));
    assert(await page.locator(byId(`goal-${goal}`)).getAttribute('data-met') === 'false', 'not met at the start');
    await page.click(byId('crash-2'));
    await page.click(byId('crash-3'));
    await page.click(byId('advance-10s'));
    // The worker handles requests in order: the 10 s pass before the produce.
    await page.selectOption(byId('lc-topic'), 'payments');
    const r = await send(page);
    assert(r.includes('NOT_ENOUGH_REPLICAS'), `expected NOT_ENOUGH_REPLICAS, got ${r}`);
    await goalMet(page, goal);
    await page.waitForSelector(byId('challenge-solved'), { timeout: T });
    const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('kplay.progress')));
    assert(stored.solved_challenges.includes('c4-not-enough-replicas') && stored.solved_challenges.length === before + 1, `challenge stored: ${JSON.stringify(stored)}`);
    assert(stored.answers['q4-ordering'] === true, 'answer stored');
    await shot('lesson-04-challenge.png');
  });

  await test('lessons: progress survives a reload; 中文, dark and phone screenshots; a corrupt stored value shows a notice', async () => {
    await page.goto(`${url}?view=lessons`);
    await page.waitForSelector(byId('lesson-card-04-topics-partitions'), { timeout: T });
    assert(await page.locator(byId('lesson-card-04-topics-partitions')).getAttribute('data-complete') === 'true', 'lesson 四 complete after reload');
    const pct = Number(await page.locator(byId('mastery-section-4')).getAttribute('data-percent'));
    assert(pct > 0, `section 四 mastery > 0, got ${pct}`);
    await page.click(byId('lang-toggle'));
    await page.waitForFunction(() => document.querySelector('[data-testid="lessons-tab"]')?.textContent.includes('课程'), null, { timeout: T });
    await shot('lessons-list-zh.png');
    await page.click(byId('lesson-open-04-topics-partitions'));
    await page.waitForSelector(byId('lesson-player'), { timeout: T });
    await shot('lesson-04-zh.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('lesson-04-zh-dark.png');
    await page.click(byId('lang-toggle'));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `the lesson player scrolls horizontally by ${overflow}px on a phone`);
    await shot('lesson-04-phone-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await shot('lesson-04-phone.png');
    await page.setViewportSize({ width: 1280, height: 800 });
    // prefers-reduced-motion: nothing animates in the lessons view either.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.click(byId('lesson-list-btn'));
    await page.waitForSelector(byId('mastery'), { timeout: T });
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

    // Export (a downloaded file), reset (after a confirm), import the file back.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: T }), page.click(byId('progress-export'))]);
    const file = path.join(ARTIFACTS, 'progress-export.json');
    await download.saveAs(file);
    page.once('dialog', (d) => d.accept());
    await page.click(byId('progress-reset'));
    await page.waitForFunction(() => document.querySelector('[data-testid="lesson-card-04-topics-partitions"]')?.dataset.complete === 'false', null, { timeout: T });
    assert(await page.locator(byId('mastery-overall')).getAttribute('data-percent') === '0', 'reset to 0%');
    await page.setInputFiles(byId('progress-import'), file);
    await page.waitForFunction(() => document.querySelector('[data-testid="lesson-card-04-topics-partitions"]')?.dataset.complete === 'true', null, { timeout: T });
    // A file that is not a progress file: a notice, progress unchanged.
    await page.setInputFiles(byId('progress-import'), { name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
    await page.waitForSelector(byId('progress-notice'), { timeout: T });
    assert(await page.locator(byId('lesson-card-04-topics-partitions')).getAttribute('data-complete') === 'true', 'a bad import changes nothing');

    // Keyboard only: open lesson 五, go to the acks step, answer the prediction with the keyboard.
    await page.focus(byId('lesson-open-05-producers'));
    await page.keyboard.press('Enter');
    await atStep(page, 'flow');
    assert(await page.evaluate(() => document.activeElement?.id) === 'step-h', 'focus moves to the step heading');
    await page.focus(byId('lesson-next'));
    await page.keyboard.press('Enter');
    await atStep(page, 'acks');
    await page.focus(`${byId('predict-choice-minus-one')} input`);
    await page.keyboard.press('Space');
    await page.focus(byId('predict-run'));
    await page.keyboard.press('Enter');
    await page.waitForSelector(byId('predict-result'), { timeout: T });
    assert(await page.locator(byId('predict-result')).getAttribute('data-correct') === 'true', 'keyboard prediction answered');
    const ring = await page.evaluate(() => {
      const b = document.querySelector('[data-testid="show-me"]');
      b.focus();
      return getComputedStyle(b).outlineStyle;
    });
    assert(ring !== 'none', 'visible focus on buttons');

    // Corrupt stored progress: a notice, a fresh start, never a blank page.
    await page.evaluate(() => localStorage.setItem('kplay.progress', '{"version": 1, "completed_lessons": [tru'));
    await page.goto(`${url}?view=lessons`);
    await page.waitForSelector(byId('progress-notice'), { timeout: T });
    assert((await page.locator(byId('progress-notice')).innerText()).includes('not a progress file'), 'the notice says why');
    assert(await page.locator(byId('lesson-card-04-topics-partitions')).count() === 1, 'the list is still shown');
    await page.evaluate(() => localStorage.setItem('kplay.progress', '{"version": 0}'));
    await page.reload();
    await page.waitForSelector(byId('progress-notice'), { timeout: T });
    assert((await page.locator(byId('progress-notice')).innerText()).includes('older'), 'an old version is explained');
    await page.evaluate(() => localStorage.removeItem('kplay.progress'));
  });
}
