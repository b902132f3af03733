/**
 * Options in, context out, once (DESIGN.md convention 6): every option is optional with a documented
 * default; `resolveAnalyzeOptions` turns them into the complete context every analyzer receives.
 * The caps are what keep a 1 GB capture inside bounded memory.
 */

export interface AnalyzeOptions {
  /** Bodies longer than this (characters) are not parsed; a warning names them. Default 16 MiB. */
  maxBodyChars?: number;
  /** JSON deeper than this is summarized as an open value at that depth. Default 64. */
  maxDepth?: number;
  /** Object keys tracked per schema node before the object becomes a map. Default 200. */
  maxObjectKeys?: number;
  /** Distinct values tracked per field or parameter (for enums, classes, examples). Default 32. */
  maxDistinctValues?: number;
  /** Evidence samples kept per operation (reservoir). Default 8. */
  samplesPerOperation?: number;
  /** Literal children of one path segment before further ones become a parameter. Default 400. */
  maxLiteralChildren?: number;
  /** Distinct credential values tracked for linking issuers to consumers. Default 20 000. */
  maxTrackedValues?: number;
  /** Minimum distinct sibling segments to template plain words (`/repos/{repo}`). Default 3. */
  minSiblingsForWords?: number;
  /** Extra hosts (suffix match) to set aside as noise. */
  noiseHosts?: string[];
  /** Hosts (suffix match) to keep only; all other hosts become noise. Default: keep all. */
  onlyHosts?: string[];
  /** Seed of the reservoir sampler, so the same input gives the same model. Default 1. */
  seed?: number;
}

/** The resolved options: every field set. */
export type AnalyzeContext = Required<AnalyzeOptions> & {
  /** Pseudo-random in [0,1), deterministic from `seed` (no clock, no Math.random: reproducible models). */
  random(): number;
};

export function resolveAnalyzeOptions(options: AnalyzeOptions = {}): AnalyzeContext {
  let state = (options.seed ?? 1) >>> 0 || 1;
  return {
    maxBodyChars: options.maxBodyChars ?? 16 * 1024 * 1024,
    maxDepth: options.maxDepth ?? 64,
    maxObjectKeys: options.maxObjectKeys ?? 200,
    maxDistinctValues: options.maxDistinctValues ?? 32,
    samplesPerOperation: options.samplesPerOperation ?? 8,
    maxLiteralChildren: options.maxLiteralChildren ?? 400,
    maxTrackedValues: options.maxTrackedValues ?? 20_000,
    minSiblingsForWords: options.minSiblingsForWords ?? 3,
    noiseHosts: options.noiseHosts ?? [],
    onlyHosts: options.onlyHosts ?? [],
    seed: options.seed ?? 1,
    // xorshift32: small, fast, deterministic.
    random() {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      return state / 0x1_0000_0000;
    },
  };
}
