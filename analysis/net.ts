/** IPv4 addresses and CIDR ranges of the model, as unsigned 32-bit integers (ip-text.ts reads the text). */
import { parseCIDRText, parseIP } from "./ip-text";

export interface Cidr {
    readonly first: number;
    readonly last: number;
    readonly text: string;
}

/** An IPv4 address (leading zeros read as decimal, as Kubernetes does); undefined for anything else. */
export function parseIPv4(text: string): number | undefined {
    const ip = parseIP(String(text).trim(), "kubernetes");
    return ip?.family === 4 ? ip.value : undefined;
}

/** Parses "a.b.c.d/n" or a bare IPv4 address (a /32). Returns undefined for anything else (IPv6 included). */
export function parseCidr(text: string): Cidr | undefined {
    const trimmed = String(text).trim();
    const parsed = trimmed.includes("/") ? parseCIDRText(trimmed, "kubernetes") : undefined;
    const base = parsed ? (parsed.address.family === 4 ? parsed.address.value : undefined) : parseIPv4(trimmed);
    if (base === undefined) return undefined;
    const size = 2 ** (32 - (parsed?.prefix ?? 32));
    const first = base - (base % size);
    return { first, last: first + size - 1, text: trimmed };
}

/**
 * Which family an address or CIDR (bare address allowed) belongs to; undefined when it is neither.
 * The model is IPv4: callers skip family 6 and refuse undefined.
 */
export function addressFamily(text: string): 4 | 6 | undefined {
    const trimmed = String(text).trim();
    const parsed = trimmed.includes("/") ? parseCIDRText(trimmed, "kubernetes") : parseIP(trimmed, "kubernetes");
    return parsed?.family;
}

export const cidrContains = (outer: Cidr, inner: Cidr) => outer.first <= inner.first && inner.last <= outer.last;
export const cidrOverlaps = (a: Cidr, b: Cidr) => a.first <= b.last && b.first <= a.last;
export const singleAddress = (ip: number, text: string): Cidr => ({ first: ip, last: ip, text });

/** An IPv4 address (a 32-bit unsigned number) in dotted-quad text. */
export function formatIPv4(ip: number): string {
    return [24, 16, 8, 0].map((shift) => (ip >>> shift) & 255).join(".");
}
