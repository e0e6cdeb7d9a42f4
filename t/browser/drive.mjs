// drive.mjs URL STEP...: one headless chromium (Debian's, through
// puppeteer-core) on the volunteer page at URL, doing each step in turn;
// for t/62NN-browser.bats. Loopback only: the page's own server is all
// it reaches.
//
// Steps:
//   text:REGEX      wait until the page's headline matches REGEX
//   done:N          wait until the page says N tasks done
//   reloads:N       wait until the page has loaded N times more
//   shot:FILE       a screenshot of the page, PNG
//   say:ID          print the text of element ID, a line
//   click:ID        click element ID
//   reload          reload the page
//   kill            end the browser at once (SIGKILL): a tab that vanishes
//   sleep:SECONDS
//   progress        wait until the page shows progress of a task
// Every wait gives up after DRIVE_TIMEOUT seconds (60): exit 1.
// The page's console and its errors go to standard error.
import puppeteer from 'puppeteer-core';

const [url, ...steps] = process.argv.slice(2);
const timeout = Number(process.env.DRIVE_TIMEOUT || 60) * 1000;
const browser = await puppeteer.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	// As root chromium needs --no-sandbox; the page is our own.
	args: ['--no-sandbox', '--disable-gpu', '--no-first-run',
	    '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage();
await page.setViewport({width: 900, height: 640});
let loads = 0;
page.on('load', () => loads++);
page.on('console', (m) => process.stderr.write(`console: ${m.text()}\n`));
page.on('pageerror', (e) => process.stderr.write(`pageerror: ${e}\n`));

async function until(what, test) {
	const end = Date.now() + timeout;
	for (;;) {
		try {
			if (await test())
				return;
		} catch (e) {
			// The page is between loads: look again.
		}
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const text = (id) => page.$eval(`#${id}`, (e) => e.textContent);

try {
	await page.goto(url, {waitUntil: 'load'});
	for (const step of steps) {
		const [verb, ...rest] = step.split(':');
		const arg = rest.join(':');
		if (verb === 'text') {
			const re = new RegExp(arg);
			await until(step, async () => re.test(await text('headline')));
		} else if (verb === 'done') {
			await until(step, async () =>
			    Number(await text('done')) >= Number(arg));
		} else if (verb === 'reloads') {
			const want = loads + Number(arg);
			await until(step, async () => loads >= want);
		} else if (verb === 'shot') {
			await page.screenshot({path: arg, fullPage: true});
		} else if (verb === 'say') {
			process.stdout.write(`${await text(arg)}\n`);
		} else if (verb === 'click') {
			await page.click(`#${arg}`);
		} else if (verb === 'reload') {
			await page.reload({waitUntil: 'load'});
		} else if (verb === 'kill') {
			browser.process().kill('SIGKILL');
			process.exit(0);
		} else if (verb === 'progress') {
			await until(step, async () => await page.$eval('#progress',
			    (e) => !e.hidden && e.value > 0));
		} else if (verb === 'sleep') {
			await new Promise((r) => setTimeout(r, Number(arg) * 1000));
		} else {
			throw new Error(`unknown step ${step}`);
		}
	}
	await browser.close();
} catch (e) {
	process.stderr.write(`drive: ${e.message}\n`);
	try {
		process.stderr.write(`drive: the page says: ${await text('headline')}: ${await text('detail')}\n`);
	} catch (e2) {
		// No page to ask.
	}
	await browser.close();
	process.exit(1);
}
