// Kafka Playground: starts the engine's Web Worker before the page's own wasm has downloaded,
// so both bundles download and compile at once. The page adopts this worker (web/src/bridge.rs)
// and replays what the worker said before the page listened.
'use strict';
(function () {
  try {
    var early = [];
    var worker = new Worker('worker-boot.js');
    worker.onmessage = function (e) { early.push(e.data); };
    self.__kplayBoot = { worker: worker, early: early };
  } catch (e) {
    // No worker here (e.g. a browser that forbids them): the page starts its own and says why.
  }
})();
