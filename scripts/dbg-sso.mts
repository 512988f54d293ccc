import { Resolver } from 'node:dns/promises';
const r = new Resolver({ timeout: 3000, tries: 1 });
const t0 = Date.now();
try { console.log(await r.resolveTxt('_tenantry-verification.unproven.test')); } catch (e) { console.log('err', (e as Error).message); }
console.log('ms', Date.now() - t0);
