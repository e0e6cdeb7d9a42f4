// worker.js: runs one task's component, off the page's thread, so that
// the page stays responsive (ct-serve(8), THE VOLUNTEER PAGE).
//
// The page sends {task, entry, component, database}: the component's and
// the database's files as name -> Uint8Array, every one already checked
// by the browser against its SHA-256 (Subresource Integrity). The entry
// module is imported from a blob: URL made here of those bytes, so that
// what runs is exactly what was checked; ct-serve's Content-Security-
// Policy for this worker allows blob: scripts and WebAssembly, and no
// connection at all.
//
// Answers: {progress: [done, total]}..., then {report} or {error}.

self.onmessage = async (ev) => {
	const {task, entry, component, database} = ev.data;
	let url = null;

	try {
		url = URL.createObjectURL(new Blob([component[entry]],
		    {type: 'text/javascript'}));
		const mod = await import(url);
		if (typeof mod.run !== 'function')
			throw new Error(`the component's ${entry} exports no run()`);
		const report = await mod.run({
			task,
			files: {component, database},
			progress: (done, total) => self.postMessage(
			    {progress: [Number(done), Number(total)]}),
		});
		if (typeof report !== 'string')
			throw new Error('the component gave no report');
		self.postMessage({report});
	} catch (e) {
		self.postMessage({error: String(e && e.message ? e.message : e)});
	} finally {
		if (url !== null)
			URL.revokeObjectURL(url);
	}
};
