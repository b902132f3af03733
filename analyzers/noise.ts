/**
 * Noise: static assets, analytics, telemetry, CDNs and tracking pixels are set aside and listed (per
 * origin and reason), never mixed into the operations (protocol-field-notes.md, gap 8).
 */
import type { Analyzer } from './analyzer.js';
import type { Observation } from './observe.js';
import type { Finding, NoiseModel } from './types.js';

export const noiseAnalyzer: Analyzer = {
  name: 'noise',
  description: 'static assets, analytics, telemetry and CDN traffic, set aside and listed',
  create() {
    const groups = new Map<string, NoiseModel & { first: { capture: number; entry: number } }>();
    return {
      observe(obs: Observation) {
        if (!obs.noise) return;
        const key = `${obs.origin} ${obs.noise}`;
        let g = groups.get(key);
        if (!g) {
          if (groups.size >= 5000) return;
          g = {
            origin: obs.origin,
            reason: obs.noise,
            entries: 0,
            examplePaths: [],
            first: { capture: obs.capture, entry: obs.index },
          };
          groups.set(key, g);
        }
        g.entries++;
        const path = `/${obs.segments.join('/')}`;
        if (g.examplePaths.length < 3 && !g.examplePaths.includes(path))
          g.examplePaths.push(path.length > 120 ? `${path.slice(0, 117)}...` : path);
      },
      finish() {
        const sorted = [...groups.values()].sort(
          (a, b) => b.entries - a.entries || a.origin.localeCompare(b.origin),
        );
        const noise: NoiseModel[] = sorted.map(({ first: _first, ...n }) => n);
        const findings: Finding[] = sorted.map((g) => ({
          kind: `noise.${g.reason}`,
          summary: `${g.entries} request(s) to ${g.origin} set aside as ${g.reason}.`,
          evidence: [{ capture: g.first.capture, entry: g.first.entry, pointer: '/request/url' }],
          confidence: 0.9,
        }));
        return { noise, findings };
      },
    };
  },
};
