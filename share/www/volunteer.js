// volunteer.js: the browser volunteer of a ct-serve pool
// (cputorrent-volunteer(7), ct-serve(8) THE VOLUNTEER PAGE).
//
// A browser joins with the link the pool's administrator hands out,
// http(s)://SERVER/#key=POOLKEY: the key is in the fragment, which the
// browser never sends to any server; the page registers with it once
// (in an Authorization header), keeps only the token it is given, and
// removes the key from the address bar and the history.
//
// Then: ask for work. No work: say so, count down the seconds the server
// asked for, and reload (G2, Figure 5). A task: fetch its component and
// its database from ct-serve, each blob checked by Subresource Integrity
// against its ID, run the component in a Web Worker, send heartbeats
// while it runs, post the report, ask again. Stop gives the task back. A
// tab closed mid-task gives it back too if it can; if not, its lease
// expires and the task goes to another volunteer.

const TOKEN = 'cputorrent.token';
const DONE = 'cputorrent.done';
const DONATED = 'cputorrent.donated';
const STOPPED = 'cputorrent.stopped';
const DEFAULT_RETRY = 5;

const $ = (id) => document.getElementById(id);
let poolKey = null;
let current = null;	// {id, lease, worker, beat, started}
let ticker = null;

// --- what the volunteer sees ---------------------------------------------

const NOW = {
	working: 'computing', idle: 'waiting for work', stopped: 'stopped',
	failed: 'waiting',
};

function show(kind, headline, detail) {
	$('state').className = kind;
	$('headline').textContent = headline;
	$('detail').textContent = detail;
	$('progress').hidden = kind !== 'working';
	$('progress-text').hidden = kind !== 'working';
	$('task').hidden = kind !== 'working';
	$('countdown').hidden = kind !== 'idle';
	$('stop').hidden = kind !== 'working';
	$('retry').hidden = kind !== 'idle' && kind !== 'failed';
	$('resume').hidden = kind !== 'stopped';
	$('now').textContent = NOW[kind] || '';
}

function duration(secs) {
	if (secs < 10)
		return `${secs.toFixed(1)} s`;
	secs = Math.round(secs);
	if (secs < 60)
		return `${secs} s`;
	if (secs < 3600)
		return `${Math.floor(secs / 60)} min ${secs % 60} s`;
	return `${Math.floor(secs / 3600)} h ${Math.floor(secs % 3600 / 60)} min`;
}

function number(key) {
	return Number(localStorage.getItem(key) || 0);
}

function showStats() {
	let donated = number(DONATED);
	if (current !== null)
		donated += (performance.now() - current.started) / 1000;
	$('done').textContent = String(number(DONE));
	$('donated').textContent = duration(donated);
}

// --- the protocol ----------------------------------------------------------

class Refused extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

async function call(method, path, body, type = 'application/json') {
	const headers = {Authorization: `Bearer ${localStorage.getItem(TOKEN)}`};
	const init = {method, headers, cache: 'no-store'};
	if (body !== undefined) {
		headers['Content-Type'] = type;
		init.body = type === 'application/json' ? JSON.stringify(body) :
		    body;
	}
	const r = await fetch(path, init);
	let answer = {};
	try {
		answer = await r.json();
	} catch (e) {
		// An answer that is not JSON says only its status.
	}
	if (!r.ok)
		throw new Refused(r.status, answer.error || `HTTP ${r.status}`);
	answer.retryAfter = Number(r.headers.get('Retry-After')) || 0;
	return answer;
}

// Register with the pool's key, if this page was given one.
async function register() {
	const r = await fetch('/v1/volunteers', {
		method: 'POST',
		cache: 'no-store',
		headers: {
			Authorization: `Bearer ${poolKey}`,
			'Content-Type': 'application/json',
		},
		body: JSON.stringify({name: 'browser'}),
	});
	if (!r.ok)
		throw new Refused(r.status, r.status === 401 ?
		    'the link\'s key is not this pool\'s' : `HTTP ${r.status}`);
	const a = await r.json();
	localStorage.setItem(TOKEN, a.token);
}

// The Subresource Integrity of a blob, from its ID (hex SHA-256).
function integrity(id) {
	let bin = '';
	for (let i = 0; i < id.length; i += 2)
		bin += String.fromCharCode(parseInt(id.slice(i, i + 2), 16));
	return `sha256-${btoa(bin)}`;
}

// A blob's bytes, checked by the browser against its ID; cached by the
// browser for as long as it likes (ct-serve says: immutable).
async function blob(id) {
	if (!/^[0-9a-f]{64}$/.test(id))
		throw new Error(`not a blob ID: ${id}`);
	let r;
	try {
		r = await fetch(`/v1/blobs/${id}`, {
			headers: {Authorization: `Bearer ${localStorage.getItem(TOKEN)}`},
			integrity: integrity(id),
		});
	} catch (e) {
		throw new Error(`blob ${id.slice(0, 12)}… was refused: it is ` +
		    'not what its ID says, or could not be fetched');
	}
	if (!r.ok)
		throw new Refused(r.status, `blob ${id}: HTTP ${r.status}`);
	return new Uint8Array(await r.arrayBuffer());
}

// The files of a manifest blob: {entry, files: name -> Uint8Array}.
async function manifest(id, kind) {
	const m = JSON.parse(new TextDecoder().decode(await blob(id)));
	if (kind !== undefined && m.kind !== kind)
		throw new Error(`blob ${id} is a ${m.kind}, not a ${kind}`);
	const files = {};
	for (const f of m.files) {
		if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(f.name))
			throw new Error(`a manifest names a file ${f.name}`);
		files[f.name] = await blob(f.blob);
	}
	return {entry: m.entry, files};
}

// --- idle: G2's countdown and reload ------------------------------------

function idle(seconds, headline, detail) {
	let left = Math.max(1, Math.round(seconds));
	show('idle', headline, detail);
	$('seconds').textContent = String(left);
	clearInterval(ticker);
	ticker = setInterval(() => {
		left -= 1;
		$('seconds').textContent = String(Math.max(left, 0));
		if (left <= 0) {
			clearInterval(ticker);
			location.reload();
		}
	}, 1000);
}

// --- a task ---------------------------------------------------------------

// "Q1", or "Q1 and 44 more queries": the queries of a FASTA text, by their IDs.
function queries(query) {
	const ids = String(query).split('\n').filter((l) => l.startsWith('>'))
	    .map((l) => l.slice(1).trim().split(/\s/, 1)[0]);
	const first = (ids[0] || 'a query').slice(0, 40);
	return ids.length > 1 ? `${first} and ${ids.length - 1} more ` +
	    'queries' : first;
}

function stopBeats() {
	if (current !== null) {
		clearInterval(current.beat);
		current.worker.terminate();
	}
}

// Run task t to its end: resolves when it is posted or dropped.
function run(t, component, database) {
	return new Promise((resolve) => {
		const worker = new Worker('worker.js', {type: 'module'});
		const every = Math.max(1, (t.lease_seconds || 300) / 3) * 1000;
		current = {id: t.task, lease: t.lease, worker, started:
		    performance.now()};
		const finish = (outcome) => {
			stopBeats();
			const secs = (performance.now() - current.started) / 1000;
			current = null;
			resolve({outcome, secs});
		};
		current.beat = setInterval(async () => {
			try {
				await call('POST', `/v1/tasks/${t.task}/heartbeat`,
				    {lease: t.lease});
			} catch (e) {
				// Cancelled, or given to another: stop it.
				if (e instanceof Refused && e.status < 500 &&
				    e.status !== 429)
					finish({dropped: e.message});
			}
		}, every);
		worker.onmessage = (ev) => {
			const m = ev.data;
			if (m.progress) {
				const [done, total] = m.progress;
				$('progress').max = total > 0 ? total : 1;
				$('progress').value = Math.min(done, total);
				$('progress').textContent = `${done} of ${total}`;
				$('progress-text').textContent = `${done} of ${total} ` +
				    'comparisons';
			} else if (m.report !== undefined) {
				finish({report: m.report});
			} else {
				finish({error: m.error});
			}
		};
		worker.onerror = (ev) => {
			ev.preventDefault();
			finish({error: ev.message || 'the worker failed'});
		};
		worker.postMessage({task: t, entry: component.entry,
		    component: component.files, database: database.files});
	});
}

async function work() {
	if (sessionStorage.getItem(STOPPED)) {
		show('stopped', 'Stopped', 'This browser is not computing. ' +
		    'Thank you for what it did.');
		return;
	}
	let t;
	try {
		t = await call('POST', '/v1/work', {services: [], components:
		    true, fetch: true});
	} catch (e) {
		if (e instanceof Refused && e.status === 401) {
			localStorage.removeItem(TOKEN);
			return start();
		}
		idle(e.retryAfter || 30, 'The server cannot be reached',
		    `It said: ${e.message}. Trying again.`);
		return;
	}
	if (t.task === null) {
		idle(t.retry_after || t.retryAfter || DEFAULT_RETRY,
		    'No work right now', 'The server has no task for this ' +
		    'browser at the moment. It will ask again, politely.');
		return;
	}
	const what = `Searching ${queries(t.query)}` +
	    (t.database ? ` against ${t.database}` : '') + ` (${t.service})`;
	show('working', 'Computing', `${what}.`);
	$('task').textContent = `Task ${t.task}, for the server ` +
	    `${location.host}.`;
	$('progress').removeAttribute('value');
	$('progress-text').textContent = 'Fetching the search code and data…';
	let outcome, secs = 0;
	try {
		if (!t.component_blob)
			throw new Error('the task names no component');
		const component = await manifest(t.component_blob, 'component');
		const database = t.database_blob ?
		    await manifest(t.database_blob) : {files: {}};
		({outcome, secs} = await run(t, component, database));
	} catch (e) {
		outcome = {error: e.message};
	}
	if (outcome.report !== undefined) {
		try {
			await call('POST', `/v1/tasks/${t.task}/result?lease=` +
			    t.lease, outcome.report, 'application/xml');
			localStorage.setItem(DONE, String(number(DONE) + 1));
			localStorage.setItem(DONATED, String(number(DONATED) + secs));
		} catch (e) {
			outcome = {error: `the server refused the result: ${e.message}`};
		}
	}
	showStats();
	if (outcome.error !== undefined) {
		// Give it back at once, for another volunteer.
		call('POST', `/v1/tasks/${t.task}/release`, {lease: t.lease})
		    .catch(() => {});
		idle(DEFAULT_RETRY * 2, 'A task failed here', `${what}: ` +
		    `${outcome.error}. It was given back to the server.`);
		$('state').className = 'idle failed';
		return;
	}
	return work();
}

async function stop() {
	sessionStorage.setItem(STOPPED, '1');
	clearInterval(ticker);
	if (current !== null) {
		const {id, lease} = current;
		stopBeats();
		localStorage.setItem(DONATED, String(number(DONATED) +
		    (performance.now() - current.started) / 1000));
		current = null;
		// Given back before the reload, which would cut it short.
		await call('POST', `/v1/tasks/${id}/release`, {lease})
		    .catch(() => {});
	}
	location.reload();
}

// A tab closed or reloaded mid-task gives its task back if it can.
addEventListener('pagehide', () => {
	if (current === null)
		return;
	fetch(`/v1/tasks/${current.id}/release`, {
		method: 'POST',
		keepalive: true,
		headers: {
			Authorization: `Bearer ${localStorage.getItem(TOKEN)}`,
			'Content-Type': 'application/json',
		},
		body: JSON.stringify({lease: current.lease}),
	}).catch(() => {});
});

async function start() {
	// Not URLSearchParams: a key may hold '+', which it makes a space.
	const m = /(?:^|&)key=([^&]*)/.exec(location.hash.slice(1));
	if (m !== null && m[1] !== '') {
		poolKey = decodeURIComponent(m[1]);
		// Out of the address bar and the history: it is a secret.
		history.replaceState(null, '', location.pathname);
	}
	if (!localStorage.getItem(TOKEN)) {
		if (poolKey === null) {
			show('failed', 'This page needs your invitation link',
			    'Open the link the pool\'s administrator gave you: ' +
			    'it ends in #key=…');
			return;
		}
		try {
			await register();
		} catch (e) {
			show('failed', 'Could not join the pool', e.message);
			return;
		}
	}
	return work();
}

$('stop').addEventListener('click', stop);
$('retry').addEventListener('click', () => location.reload());
$('resume').addEventListener('click', () => {
	sessionStorage.removeItem(STOPPED);
	location.reload();
});
setInterval(showStats, 1000);
showStats();
start();
