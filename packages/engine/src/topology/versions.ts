// Exchange releases as administrators name them, and how Exchange writes them into the directory.
// serialNumber reads `Version <major>.<minor> (Build <build>.<revision>)`; from major 8 on, Exchange adds
// 30000 to the build when it writes it and strips it when it reads (ServerVersion in Exchange's code).

export type ExchangeFamily = '2003' | '2007' | '2010';

export interface ExchangeRelease {
  /** The name an administrator writes: "Exchange 2010 SP1". */
  readonly name: string;
  readonly family: ExchangeFamily;
  /** Service pack: 0 for RTM. */
  readonly servicePack: number;
  readonly major: number;
  readonly minor: number;
  readonly build: number;
  readonly revision: number;
}

const RELEASES: readonly ExchangeRelease[] = [
  { name: 'Exchange 2003', family: '2003', servicePack: 2, major: 6, minor: 5, build: 7638, revision: 2 },
  { name: 'Exchange 2007', family: '2007', servicePack: 0, major: 8, minor: 0, build: 685, revision: 25 },
  { name: 'Exchange 2007 SP1', family: '2007', servicePack: 1, major: 8, minor: 1, build: 240, revision: 6 },
  { name: 'Exchange 2007 SP2', family: '2007', servicePack: 2, major: 8, minor: 2, build: 176, revision: 2 },
  { name: 'Exchange 2007 SP3', family: '2007', servicePack: 3, major: 8, minor: 3, build: 83, revision: 6 },
  { name: 'Exchange 2010 RTM', family: '2010', servicePack: 0, major: 14, minor: 0, build: 639, revision: 21 },
  { name: 'Exchange 2010 SP1', family: '2010', servicePack: 1, major: 14, minor: 1, build: 218, revision: 15 },
  { name: 'Exchange 2010 SP2', family: '2010', servicePack: 2, major: 14, minor: 2, build: 247, revision: 5 },
];

export const RELEASE_NAMES: readonly string[] = RELEASES.map((r) => r.name);

export class UnknownReleaseError extends Error {
  constructor(readonly value: string, hint?: string) {
    super(`"${value}" is not an Exchange version this project models${hint ? ` (${hint})` : ''}; accepted: ${RELEASE_NAMES.join(', ')}`);
    this.name = 'UnknownReleaseError';
  }
}

/** Finds a release by the name an administrator writes; "Exchange 2007" alone means RTM. */
export function releaseByName(value: string): ExchangeRelease {
  const wanted = value.trim().replace(/\s+/g, ' ').toLowerCase();
  const found = RELEASES.find((r) => r.name.toLowerCase() === wanted);
  if (found) return found;
  if (wanted === 'exchange 2010') {
    // OWA redirection changed in SP1 and again in SP2, so a bare "Exchange 2010" would be ambiguous.
    throw new UnknownReleaseError(value, 'say which: OWA redirection differs between RTM, SP1 and SP2');
  }
  throw new UnknownReleaseError(value);
}

export function serialNumberOf(r: ExchangeRelease): string {
  const build = r.major >= 8 ? r.build + 30000 : r.build;
  return `Version ${r.major}.${r.minor} (Build ${build}.${r.revision})`;
}

export function versionNumberOf(r: ExchangeRelease): number {
  return ((r.build & 0x7fff) | (r.minor << 16) | (r.major << 22) | 0x70008000) >>> 0;
}

/** msExchVersion as Exchange stamps it on objects it creates; Exchange 2003 stamps none. */
export function msExchVersionOf(r: ExchangeRelease): string | undefined {
  switch (r.family) {
    case '2003': return undefined;
    case '2007': return '4535486012416';
    case '2010': return '44220983382016';
  }
}

/** Reads serialNumber back into a release, as the Client Access server does to choose its behaviour. */
export function releaseFromSerialNumber(serialNumber: string): ExchangeRelease {
  const m = /^Version (\d+)\.(\d+) \(Build (\d+)\.(\d+)\)$/.exec(serialNumber.trim());
  if (!m) throw new UnknownReleaseError(serialNumber, 'serialNumber is not "Version <major>.<minor> (Build <build>.<revision>)"');
  const major = Number(m[1]);
  const minor = Number(m[2]);
  let build = Number(m[3]);
  if (build >= 30000) build -= 30000;
  else if (build >= 10000) build -= 10000;
  const exact = RELEASES.find((r) => r.major === major && r.minor === minor && r.build === build);
  if (exact) return exact;
  // A later update rollup keeps the behaviour of its service pack.
  const sameSp = RELEASES.find((r) => r.major === major && r.minor === minor);
  if (sameSp) return { ...sameSp, build, revision: Number(m[4]) };
  throw new UnknownReleaseError(serialNumber, `version ${major}.${minor} is outside Exchange 2003 to 2010 SP2`);
}

/** The name Exchange's cmdlets show for it (AdminDisplayVersion). */
export function adminDisplayVersion(r: ExchangeRelease): string {
  return `Version ${r.major}.${r.minor} (Build ${r.build}.${r.revision})`;
}
