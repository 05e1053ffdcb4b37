// Kafka Playground: the engine worker's loader (started by boot.js). Trunk builds the worker
// bundle as `worker.js` (wasm-bindgen's no-modules glue, which defines `wasm_bindgen`) and
// `worker_bg.wasm`; both resolve against this script's address.
'use strict';
importScripts('worker.js');
wasm_bindgen({ module_or_path: 'worker_bg.wasm' });
