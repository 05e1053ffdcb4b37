// embed-docs.html: shows the messages of the first widget (a <kafka-playground> re-dispatches
// them as `kafka-playground` events), as a live example of the message schema.
document.addEventListener('kafka-playground', (e) => {
  const d = e.detail;
  const log = document.getElementById('events');
  if (!log || e.target.id !== 'acks-demo' || d.type === 'resize') return;
  const row = document.createElement('div');
  const tag = document.createElement('span');
  if (d.type === 'write') {
    tag.className = d.outcome === 'succeeded' ? 'ok' : 'bad';
    tag.textContent = `write ${d.outcome}`;
    row.append(tag, ` ${d.topic}-${d.partition} acks=${d.acks} ${d.offset !== null ? 'offset ' + d.offset : d.error} · ${d.latency_ms} ms`);
  } else {
    tag.textContent = d.type;
    row.append(tag, ' ' + JSON.stringify(d));
  }
  log.prepend(row);
});
