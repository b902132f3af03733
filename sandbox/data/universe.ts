/**
 * The listed universe: symbols the exchange lists that the account never traded. The real exchange lists
 * about 1,500 spot symbols while an account trades a few dozen, and a client that probes every listed
 * symbol pays weight 20 per symbol for nothing; without these the sandbox's exchangeInfo would list only
 * the account's own pairs and a naive client would cost exactly what an evidence-based one costs.
 *
 * Two kinds are added, both with no trades and no orders (they are appended after the generated symbols,
 * so their trade/order slices are empty and the truth, balances, exports and web data do not change):
 * - pairs between assets the account touched that it never traded (SOLBTC when it traded SOLUSDT and
 *   ETHBTC): evidence-based discovery cannot rule them out and has to probe them, as on the exchange;
 * - pairs of assets the account never touched, over the quote assets the exchange lists (USDT, FDUSD,
 *   USDC, BTC, ETH, BNB, TRY, EUR, BRL, JPY, …): only a naive client probes these.
 * Some sit only in a trading group (`[["TRD_GRP_005"]]`, hidden unless exchangeInfo is asked for every
 * permission) and some are in BREAK or HALT, as on the exchange. Deterministic for the PRNG stream given.
 */
import type { Prng } from './prng.js';
import type { SymbolInfo } from './model.js';

/** Real base assets beyond the ones the generator trades, in rough order of listing breadth. */
const UNIVERSE_BASES: readonly string[] = [
  'PEOPLE ENA JUP PYTH W ORDI BOME FLOKI NOT TON WLD JTO STRK DYDX GALA APE LRC GMT BLUR MASK ID ARKM',
  'CYBER MAGIC HOOK HIGH AGLD ACH ALICE ANKR AR ASTR AUDIO BAND BAKE BEL BICO C98 CELR CFX CHR CKB COTI',
  'CTSI CVC DENT DGB DUSK EDU FIDA FLUX FXS GLM GMX GNS HOT ICX IOST IOTX JASMY JOE KDA KNC LINA LPT',
  'LQTY LSK MAV MDT MTL NKN NMR OGN ONT OXT PENDLE PERP PHB POLYX POND QNT QKC RAD RDNT REEF REQ RIF',
  'RLC RSR RVN SC SFP SKL SLP SSV STG STORJ SUN SXP SYS T TFUEL TRB TRU TWT UMA UNFI VTHO WAN WAXP WIN',
  'WOO XEC XVG XVS YGG ZEN ZRX 1INCH ALPHA AMP API3 ARDR ATA BADGER BAR BETA BNT BSW CELO CITY CLV COS',
  'DAR DATA DCR DEGO DODO ELF ERN FARM FIO FIS FOR FORTH FRONT GHST GTC HARD HIFI IDEX ILV JST KMD KP3R',
  'LAZIO LIT LOKA LTO MBOX MBL MC MDX MOVR NEXO NULS OG OM OMG ORN PAXG PLA PORTO POWR PROM PSG PUNDIX',
  'PYR QI QUICK RARE RAY REI RENDER SANTOS SCRT STMX STPT STEEM SUPER TKO TLM TROY UTK VIB VIDT VOXEL',
  'WING XNO ACA ACE AI ALT AEVO BB DYM ETHFI IO LISTA MANTA METIS NFP OMNI PIXEL PORTAL REZ SAGA TAO',
  'TNSR VANRY XAI ZK ZRO BANANA DOGS EIGEN HMSTR CATI NEIRO TURBO SCR COW CETUS PNUT ACT USUAL THE MOVE',
  'ME VANA PENGU BIO S TRUMP LAYER KAITO RED IP SHELL GPS BERA NIL PARTI HYPER',
]
  .join(' ')
  .split(' ');
/** Quote assets of the universe with their share of pairs (real exchangeInfo's spread, roughly). */
const UNIVERSE_QUOTES: ReadonlyArray<readonly [string, number]> = [
  ['USDT', 30],
  ['FDUSD', 10],
  ['USDC', 10],
  ['BTC', 16],
  ['TRY', 9],
  ['BNB', 6],
  ['ETH', 5],
  ['EUR', 5],
  ['BRL', 3],
  ['JPY', 2],
  ['TUSD', 2],
  ['DAI', 1],
  ['PLN', 1],
];
/**
 * Which side of a pair a quote asset takes against another: the higher rank quotes the lower (BTCEUR,
 * EURUSDT, USDTTRY, BNBBTC), so the universe has no upside-down pairs like USDTBTC.
 */
const QUOTE_RANK: ReadonlyMap<string, number> = new Map(
  ['BNB', 'ETH', 'BTC', 'EUR', 'DAI', 'TUSD', 'USDC', 'FDUSD', 'USDT', 'PLN', 'JPY', 'BRL', 'TRY'].map(
    (q, i) => [q, i + 1],
  ),
);
const QUOTE_WEIGHT_TOTAL = UNIVERSE_QUOTES.reduce((a, [, w]) => a + w, 0);
/** Stablecoin and fiat crosses every large listing has. */
const CROSSES: ReadonlyArray<readonly [string, string]> = [
  ['USDC', 'USDT'],
  ['FDUSD', 'USDT'],
  ['TUSD', 'USDT'],
  ['EUR', 'USDT'],
  ['EUR', 'USDC'],
  ['USDT', 'TRY'],
  ['USDT', 'BRL'],
  ['USDT', 'JPY'],
  ['USDT', 'PLN'],
  ['FDUSD', 'TRY'],
  ['USDC', 'TRY'],
];

/** What the generator already has: its symbols, the assets the account touched, names it must not reuse. */
export interface UniverseInput {
  /** Every generated symbol (traded, listed or delisted); the universe is appended to it. */
  symbols: SymbolInfo[];
  /** Assets the account touched (`SandboxAccount.assets`). */
  accountAssets: readonly string[];
  /** Assets that left the exchange: no pair of theirs is listed, and no new base takes their name. */
  reserved: ReadonlySet<string>;
  /** Listed symbols in all, the universe included (the profile's `listedSymbols`). */
  listedTarget: number;
}

function pickQuote(rng: Prng): string {
  let x = rng.next() * QUOTE_WEIGHT_TOTAL;
  for (const [q, w] of UNIVERSE_QUOTES) {
    x -= w;
    if (x < 0) return q;
  }
  return 'USDT';
}

/**
 * Appends untraded listed symbols to `input.symbols` until `listedTarget` listed symbols exist. Returns
 * how many were added. The caller must not have trades or orders indexing past the current length
 * (the appended symbols' columnar slices are empty).
 */
export function addListedUniverse(rng: Prng, input: UniverseInput): number {
  const { symbols } = input;
  const names = new Set(symbols.map((s) => s.symbol));
  let listed = symbols.reduce((k, s) => k + (s.listed ? 1 : 0), 0);
  const before = symbols.length;
  const add = (base: string, quote: string, plausible: boolean): void => {
    if (listed >= input.listedTarget || base === quote) return;
    if ((QUOTE_RANK.get(base) ?? 0) >= (QUOTE_RANK.get(quote) ?? 0)) return;
    const symbol = `${base}${quote}`;
    if (names.has(symbol)) return;
    names.add(symbol);
    listed++;
    // About 1 in 20 sits only in a trading group; 1 in 12 is in BREAK (the exchange keeps many paused
    // pairs listed), a few HALT. Pairs of the account's own assets are more often the big, open ones.
    const hidden = rng.chance(plausible ? 0.03 : 0.06);
    const roll = rng.next();
    const status: SymbolInfo['status'] = roll < 0.08 ? 'BREAK' : roll < 0.1 ? 'HALT' : 'TRADING';
    const permissionSets = hidden
      ? [[rng.chance(0.7) ? 'TRD_GRP_005' : `TRD_GRP_0${String(rng.int(6, 25)).padStart(2, '0')}`]]
      : rng.chance(0.75)
        ? [['SPOT', 'MARGIN']]
        : [['SPOT']];
    symbols.push({
      symbol,
      baseAsset: base,
      quoteAsset: quote,
      status,
      listed: true,
      untraded: true,
      permissionSets,
      baseAssetPrecision: 8,
      quoteAssetPrecision: 8,
    });
  };

  // 1. Untraded pairs between assets the account touched: about a third of the extra room at most, each
  // pair with a chance that falls with how exotic its quote is, so discovery has real dead candidates.
  const held = new Set(input.accountAssets);
  const heldQuotes = UNIVERSE_QUOTES.map(([q]) => q).filter((q) => held.has(q));
  const plausibleBudget = listed + Math.floor((input.listedTarget - listed) / 3);
  // Assets that left the exchange (LUNA, FTT) get no new pair: all their symbols stay delisted.
  for (const base of input.accountAssets) {
    if (input.reserved.has(base)) continue;
    for (const quote of heldQuotes) {
      if (listed >= plausibleBudget) break;
      const p = quote === 'USDT' ? 0.9 : quote === 'BTC' || quote === 'FDUSD' ? 0.5 : 0.25;
      if (rng.chance(p)) add(base, quote, true);
    }
  }
  for (const [b, q] of CROSSES) add(b, q, held.has(b) && held.has(q));

  // 2. Assets the account never touched, real names first, then made-up ones, each with 1 to 6 quotes.
  const taken = new Set<string>([
    ...input.reserved,
    ...input.accountAssets,
    ...UNIVERSE_QUOTES.map(([q]) => q),
  ]);
  const fresh = UNIVERSE_BASES.filter((b) => !taken.has(b));
  for (const b of fresh) taken.add(b);
  let nextReal = 0;
  let guard = 0;
  while (listed < input.listedTarget && guard++ < 100_000) {
    let base: string;
    if (nextReal < fresh.length) base = fresh[nextReal++]!;
    else {
      base = '';
      const len = rng.int(3, 6);
      for (let i = 0; i < len; i++) base += String.fromCharCode(65 + rng.int(0, 25));
      // LD-prefixed names are reserved for Simple Earn mirrors (LDBTC).
      if (base.startsWith('LD') || taken.has(base)) continue;
      taken.add(base);
    }
    const quotes = rng.int(1, 6);
    if (rng.chance(0.9)) add(base, 'USDT', false);
    for (let k = 0; k < quotes; k++) add(base, pickQuote(rng), false);
  }
  return symbols.length - before;
}
