// `npm run stress [seconds]`: the stress harness of src/devkit/stress/run.ts for 60 s (or as asked), with links
// signed by the store's own key ring. PASS or FAIL with the reasons; the exit code says which.
import { keyRingFromJSON, signPath } from '../src/http/sign.ts';
import { loadOrCreateKeyRing } from '../src/store/secrets.ts';
import { failures, runStress, summarise, type StressSigner } from '../src/devkit/stress/run.ts';

const sign: StressSigner = (root) => {
  const ring = keyRingFromJSON(loadOrCreateKeyRing(root).ring);
  return (path, params) => signPath(path, params, { ring, expiresIn: 3600 }).url;
};

const seconds = Number(process.argv[2] ?? process.env.IPFRS_STRESS_SECONDS ?? 60);
const report = await runStress({ durationMs: seconds * 1000, sign, log: (line) => console.log(line) });
console.log(summarise(report));
const failed = failures(report);
if (failed.length) {
  console.log(`FAIL: ${failed.join('; ')}`);
  process.exitCode = 1;
} else console.log('PASS');
