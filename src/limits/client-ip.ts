/** The client's address as the abuse limits count it. */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/**
 * The peer address, or with TRUST_PROXY=1 the last address of X-Forwarded-For: the one the
 * proxy in front of us appended. Earlier entries are whatever the client sent, so trusting them
 * would let anyone pick a fresh address per request. Returns a limiter key (see `addressKey`).
 */
export function clientIp(peerAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor !== undefined) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    const last = hops.at(-1)?.trim() ?? '';
    if (net.isIP(stripMapped(last))) return addressKey(last);
  }
  return addressKey(peerAddress ?? 'unknown');
}

const stripMapped = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/**
 * IPv4 as it is (an IPv4-mapped IPv6 address counts as its IPv4). IPv6 by its /64: one
 * subscriber usually holds a whole /64, so counting single addresses would not limit anyone.
 */
export function addressKey(address: string): string {
  const plain = stripMapped(address);
  if (net.isIPv6(plain)) return `${expandIpv6(plain).slice(0, 4).join(':')}::/64`;
  return plain;
}

/** The eight hextets of an IPv6 address, "::" filled with zeros, without leading zeros. */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::') as [string, string | undefined];
  const part = (s: string) => (s === '' ? [] : s.split(':').flatMap(hextetsOf));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((h) => Number.parseInt(h, 16).toString(16));
}

/** A hextet, or an embedded IPv4 tail (64:ff9b::1.2.3.4) as the two hextets it stands for. */
function hextetsOf(piece: string): string[] {
  if (!piece.includes('.')) return [piece];
  const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/** The client IP of an HTTP request (REST), by the same rule as a socket's handshake. */
export function requestIp(req: IncomingMessage, trustProxy: boolean): string {
  return clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy);
}
