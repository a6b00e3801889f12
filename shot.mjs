import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--no-first-run','--disable-sync'] });
const p = await b.newPage({ viewport: { width: 1100, height: 900 } });
await p.goto('file://' + process.argv[2]);
await p.waitForTimeout(1500);
const el = await p.$(process.argv[4]);
if (el) await el.screenshot({ path: process.argv[3] }); else { console.log('no element'); await p.screenshot({ path: process.argv[3], fullPage: false }); }
const claims = await p.$$eval('li, p', (xs) => xs.map(x => x.textContent).filter(t => /round trip|RTT/.test(t)).slice(0, 12));
console.log(claims.join('\n'));
await b.close();
