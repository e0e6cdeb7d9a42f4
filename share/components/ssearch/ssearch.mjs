// ssearch.mjs: the browser volunteer's component for service ssearch: a
// Smith-Waterman search (BLOSUM62, affine gaps) of the task's queries
// against its database, run by ssearch.wasm, which is built from the
// source of ct-ssearch(1) and gives its report byte for byte.
//
// The interface the volunteer's worker calls (cputorrent-volunteer(7)):
//   run({task, files, progress}) -> Promise of the BLAST XML report
//   task      the task as ct-serve hands it out: query (FASTA text),
//             options (an array of "key=value"), service, database
//   files     component: {name: Uint8Array} of this component's files
//             (ssearch.wasm among them); database: {name: Uint8Array},
//             the database's one FASTA file
//   progress  optional, told (done, total) (query, sequence) pairs
// No network, no other module, no eval: it works in a Web Worker and in
// Node alike. A new instance for every run, so that a run that traps (out
// of memory) leaves nothing behind for the next.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fail(message) {
  return new Error('ssearch: ' + message);
}

// The NUL-terminated string at ptr in the module's memory.
function cString(exports, ptr) {
  const mem = new Uint8Array(exports.memory.buffer);
  let end = mem.indexOf(0, ptr);
  if (end < 0) end = mem.length;
  return decoder.decode(mem.subarray(ptr, end));
}

// bytes copied into the module's memory; its address.
function copyIn(exports, bytes) {
  const ptr = exports.ss_alloc(bytes.length) >>> 0;
  if (ptr === 0) throw fail('out of memory');
  new Uint8Array(exports.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

export async function run({ task, files, progress }) {
  const wasm = files && files.component && files.component['ssearch.wasm'];
  if (!(wasm instanceof Uint8Array)) {
    throw fail('the component has no ssearch.wasm');
  }
  const names = Object.keys((files && files.database) || {});
  if (names.length !== 1) {
    throw fail('the database must be one FASTA file, not ' + names.length);
  }
  const db = files.database[names[0]];
  if (!(db instanceof Uint8Array)) throw fail('the database is not bytes');
  if (!task || typeof task.query !== 'string') throw fail('no query');
  const options = task.options || [];
  if (!Array.isArray(options)) throw fail('options are not a list');
  for (const o of options) {
    if (typeof o !== 'string' || /[\r\n\0]/.test(o) || o.startsWith('database=')) {
      throw fail('a bad option: ' + String(o).slice(0, 40));
    }
  }
  // The database's name is told as ct-ssearch takes it: its file's name.
  const opts = options.concat(['database=' + names[0]]).join('\n');
  const report = (done, total) => {
    if (typeof progress === 'function') progress(done, total);
  };
  const { instance } = await WebAssembly.instantiate(wasm, {
    env: { ss_progress: report },
  });
  const ex = instance.exports;
  if (typeof ex._initialize === 'function') ex._initialize();
  try {
    const q = encoder.encode(task.query);
    const o = encoder.encode(opts);
    const qp = copyIn(ex, q);
    const dp = copyIn(ex, db);
    const op = copyIn(ex, o);
    const rp = ex.ss_search(qp, q.length, dp, db.length, op, o.length) >>> 0;
    if (rp === 0) throw fail(cString(ex, ex.ss_error() >>> 0));
    const text = cString(ex, rp);
    ex.ss_free(rp);
    return text;
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      throw fail('the search stopped: ' + e.message + ' (out of memory?)');
    }
    throw e;
  }
}
