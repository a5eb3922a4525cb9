// A real DNS server on loopback, authoritative for whatever names a scenario gives it. It holds the TXT
// records that Exchange federation domain proofs are published in: Get-FederatedDomainProof gives a value,
// the administrator publishes it as a TXT record for the domain, and the federation gateway checks it with a
// real DNS query (node:dns, that is c-ares, over UDP) before Add-FederatedDomain or
// Set-FederatedOrganizationIdentifier succeeds.
//
// One server per test process, its records reset between scenarios. It listens on 127.0.0.1 on a port the
// OS chooses, over UDP and, on the same port number, over TCP: Node's resolver sends no EDNS, so an answer
// larger than 512 bytes goes back truncated (TC) over UDP and c-ares asks again over TCP, as RFC 1035 says.
//
// Answers are those of an authoritative server (AA set, question echoed, RA clear):
// - a name with TXT records: NOERROR, one TXT RR per record;
// - a name that exists without TXT (addName, or an ancestor of a name that has records, an "empty
//   non-terminal", RFC 8020): NOERROR with no answers, which node:dns reports as ENODATA;
// - any other name: NXDOMAIN, which node:dns reports as ENOTFOUND.
// Records go out with TTL 0, so no resolver cache can answer for them after a reset.

import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { Packet, TCPServer, UDPServer } from 'dns2';

export type TxtLookup =
  /** Each TXT record's character-strings joined, as Node's resolveTxt chunks joined. */
  | { found: true; records: string[] }
  /** node:dns's error code: 'ENOTFOUND' (NXDOMAIN), 'ENODATA' (name exists, no TXT), 'ETIMEOUT', … */
  | { found: false; code: string };

// RFC 1035 §4.1.1 response codes (dns2 2.4 has Packet.RCODE at run time, but not in its types).
const NOERROR = 0;
const FORMERR = 1;
const SERVFAIL = 2;
const NXDOMAIN = 3;
const NOTIMP = 4;

/** RFC 1035 §3.3: a <character-string> is one length octet and at most 255 octets. */
const MAX_CHARACTER_STRING = 255;
const LOOKUP_TIMEOUT_MS = 1000;
const LISTEN_ATTEMPTS = 8;

/** Lower-cases a name, drops one trailing dot and checks it is a name DNS can carry (ASCII, RFC 1035 §2.3.4). */
function normalizeName(name: string): string {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  const lower = bare.toLowerCase();
  if (lower.length === 0) throw new Error('a DNS name is required (the root holds no records here)');
  if (!/^[\x21-\x7e]+$/.test(lower)) throw new Error(`"${name}" is not an ASCII DNS name`);
  if (lower.length > 253) throw new Error(`"${name}" is longer than a DNS name can be (253 characters)`);
  for (const label of lower.split('.')) {
    if (label.length === 0 || label.length > 63) throw new Error(`"${name}" has an empty label or one longer than 63 characters`);
  }
  return lower;
}

/**
 * Splits a TXT value into <character-string>s of at most 255 bytes of UTF-8, never inside a character, so
 * that Node's resolveTxt, which decodes each chunk on its own, gives back the value when its chunks are joined.
 * dns2 writes a string's byte length into one octet, so a longer string would corrupt the packet.
 */
export function txtCharacterStrings(value: string): string[] {
  if (Buffer.byteLength(value, 'utf8') <= MAX_CHARACTER_STRING) return [value];
  const chunks: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const ch of value) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > MAX_CHARACTER_STRING) {
      chunks.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += ch;
    bytes += size;
  }
  chunks.push(chunk);
  return chunks;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

function listenUdp(server: UDPServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.bind(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function listenTcp(server: TCPServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeUdp(server: UDPServer): Promise<void> {
  return new Promise((resolve) => {
    try {
      server.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

function closeTcp(server: TCPServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

export class LoopbackDnsServer {
  /** "127.0.0.1:<port>", for Resolver.setServers. */
  readonly address: string;
  readonly port: number;
  /** Values by lower-case name; a name is only here while it has at least one TXT record. */
  private readonly txt = new Map<string, string[]>();
  /** Names that exist without (or besides) TXT records. */
  private readonly names = new Set<string>();
  /** IPv4 addresses by lower-case name (A records: the presence gateway's name is looked up here). */
  private readonly a = new Map<string, string[]>();
  private readonly connections = new Set<TcpSocket>();
  private readonly resolver: Resolver;
  private answered = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly udp: UDPServer,
    private readonly tcp: TCPServer,
  ) {
    this.port = (udp.address() as AddressInfo).port;
    this.address = `127.0.0.1:${this.port}`;
    this.resolver = new Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 1 });
    this.resolver.setServers([this.address]);
    const handle = (request: Packet, send: (response: Packet | Buffer) => Promise<Buffer>): void => {
      let response: Packet;
      try {
        response = this.answer(request);
      } catch {
        response = Packet.createResponseFromRequest(request);
        response.header.aa = 1;
        response.header.rcode = SERVFAIL;
      }
      this.answered++;
      send(response).catch(() => undefined); // the client went away: nothing to do
    };
    udp.on('request', handle);
    tcp.on('request', handle);
    // Errors after start-up (a send to a client that left, a malformed message) must not crash the process.
    udp.on('error', () => undefined);
    tcp.on('error', () => undefined);
    tcp.on('connection', (socket: TcpSocket) => {
      socket.unref();
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    // The process's server may be left running: it must not keep the process alive.
    udp.unref();
    tcp.unref();
  }

  /** Starts dns2's UDP server (and its TCP twin, for truncated answers) on 127.0.0.1, on a port the OS chooses. */
  static async start(): Promise<LoopbackDnsServer> {
    let lastError: unknown;
    for (let attempt = 0; attempt < LISTEN_ATTEMPTS; attempt++) {
      const udp = new UDPServer({ type: 'udp4' });
      await listenUdp(udp, 0);
      const port = (udp.address() as AddressInfo).port;
      const tcp = new TCPServer();
      try {
        await listenTcp(tcp, port);
      } catch (error) {
        // Someone holds that port number over TCP: try another one.
        lastError = error;
        await closeUdp(udp);
        continue;
      }
      return new LoopbackDnsServer(udp, tcp);
    }
    throw new Error(`could not listen on one port over both UDP and TCP: ${String(lastError)}`);
  }

  /** How many queries the server has answered (a truncated UDP answer and its TCP retry count as two). */
  get queries(): number {
    return this.answered;
  }

  /**
   * Adds a TXT record. A name may have several; adding a value it already has changes nothing (an RRset is a
   * set). Values longer than 255 bytes go out as several 255-byte character-strings, as RFC 1035 requires.
   * Names are case-insensitive, a trailing dot is ignored.
   */
  addTxt(name: string, value: string): void {
    const key = normalizeName(name);
    if (Buffer.byteLength(value, 'utf8') > 0xff00) throw new Error(`a TXT record for ${name} cannot hold ${value.length} characters`);
    const values = this.txt.get(key);
    if (!values) this.txt.set(key, [value]);
    else if (!values.includes(value)) values.push(value);
  }

  /** Removes one TXT value of a name, or all of them. A name added only through its TXT records stops existing. */
  removeTxt(name: string, value?: string): void {
    const key = normalizeName(name);
    const values = this.txt.get(key);
    if (!values) return;
    const rest = value === undefined ? [] : values.filter((v) => v !== value);
    if (rest.length === 0) this.txt.delete(key);
    else this.txt.set(key, rest);
  }

  /** Marks a name as existing without TXT: it answers NOERROR with no answers (node:dns: ENODATA). */
  addName(name: string): void {
    this.names.add(normalizeName(name));
  }

  /** Adds an A record (an IPv4 address for a name); adding one it already has changes nothing. */
  addA(name: string, address: string): void {
    const key = normalizeName(name);
    if (!isIpv4(address)) throw new Error(`"${address}" is not an IPv4 address such as 192.168.1.100`);
    const values = this.a.get(key);
    if (!values) this.a.set(key, [address]);
    else if (!values.includes(address)) values.push(address);
  }

  /** Removes a name's A records. */
  removeA(name: string): void {
    this.a.delete(normalizeName(name));
  }

  /** Forgets every record and name (between scenarios). */
  reset(): void {
    this.txt.clear();
    this.names.clear();
    this.a.clear();
  }

  /** Looks a name's A records up with a real query, as resolveTxt does. */
  async resolveA(name: string): Promise<{ found: true; addresses: string[] } | { found: false; code: string }> {
    try {
      return { found: true, addresses: await this.resolver.resolve4(name) };
    } catch (error) {
      return { found: false, code: errorCode(error) };
    }
  }

  /**
   * Looks a name's TXT records up with a real query, through a node:dns Resolver that asks only this server
   * (one try, a short timeout). Each record is its character-strings joined. As node:dns does, octets come
   * back one character each (latin1): a non-ASCII value needs Buffer.from(record, 'latin1').toString('utf8').
   */
  async resolveTxt(name: string): Promise<TxtLookup> {
    try {
      const records = await this.resolver.resolveTxt(name);
      return { found: true, records: records.map((chunks) => chunks.join('')) };
    } catch (error) {
      return { found: false, code: errorCode(error) };
    }
  }

  /** Stops listening; the port is free when the promise resolves. Lookups still waiting are cancelled. */
  close(): Promise<void> {
    if (!this.closing) {
      this.resolver.cancel();
      for (const socket of this.connections) socket.destroy();
      this.closing = Promise.all([closeUdp(this.udp), closeTcp(this.tcp)]).then(() => undefined);
    }
    return this.closing;
  }

  private exists(name: string): boolean {
    if (this.txt.has(name) || this.names.has(name) || this.a.has(name)) return true;
    // An ancestor of a name that exists exists too (an empty non-terminal).
    const suffix = `.${name}`;
    for (const known of this.txt.keys()) if (known.endsWith(suffix)) return true;
    for (const known of this.a.keys()) if (known.endsWith(suffix)) return true;
    for (const known of this.names) if (known.endsWith(suffix)) return true;
    return false;
  }

  private answer(request: Packet): Packet {
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    response.header.ra = 0;
    if (request.header.opcode !== 0) {
      response.header.rcode = NOTIMP;
      return response;
    }
    const [question] = request.questions;
    if (request.questions.length !== 1 || !question) {
      response.header.rcode = FORMERR;
      return response;
    }
    const name = question.name.toLowerCase().replace(/\.$/, '');
    if (!this.exists(name)) {
      response.header.rcode = NXDOMAIN;
      return response;
    }
    response.header.rcode = NOERROR;
    const wantsTxt = question.type === Packet.TYPE.TXT || question.type === Packet.TYPE.ANY;
    const wantsIn = question.class === Packet.CLASS.IN || question.class === Packet.CLASS.ANY;
    if (wantsTxt && wantsIn) {
      for (const value of this.txt.get(name) ?? []) {
        response.answers.push(
          Packet.createResourceFromQuestion(question, {
            type: Packet.TYPE.TXT,
            class: Packet.CLASS.IN,
            ttl: 0,
            data: txtCharacterStrings(value),
          }),
        );
      }
    }
    const wantsA = question.type === Packet.TYPE.A || question.type === Packet.TYPE.ANY;
    if (wantsA && wantsIn) {
      for (const address of this.a.get(name) ?? []) {
        response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 0, address }));
      }
    }
    return response;
  }
}

/** A dotted-quad IPv4 address, each part 0–255 without leading zeros. */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}
