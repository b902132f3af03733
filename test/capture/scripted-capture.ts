/** A headless browser capture of one site driven by an autopilot script file, as the capture tests run it. */
import {
  findBrowser,
  hostFilter,
  loadAutopilotScript,
  runBrowserCapture,
  type Guide,
  type HarSink,
} from '../../capture/index.js';

/**
 * Captures `url` into `sink` under `guide` with headless Chromium, recording only the site `url` is on,
 * the autopilot read from the script file `script` (its `${env:…}` values taken from `env`).
 */
export async function scriptedCapture(run: {
  url: string;
  sink: HarSink;
  guide: Guide;
  script: string;
  env?: Record<string, string>;
}): Promise<void> {
  await runBrowserCapture({
    url: run.url,
    sink: run.sink,
    guide: run.guide,
    hosts: hostFilter(undefined, run.url),
    browserPath: findBrowser(undefined),
    headless: true,
    autopilot: await loadAutopilotScript(run.script),
    ...(run.env ? { env: run.env } : {}),
  });
}
