/** IPv4 addresses and CIDR ranges as unsigned 32-bit integers. */
export interface Cidr { readonly first: number; readonly last: number; readonly text: string }

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIPv4(text: string): number | undefined {
    const m = IPV4.exec(text.trim());
    if (!m) return undefined;
    const octets = m.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
}

/** Parses "a.b.c.d/n" or a bare address (a /32). Returns undefined for anything else (IPv6 included). */
export function parseCidr(text: string): Cidr | undefined {
    const [address, bits, ...rest] = text.trim().split("/");
    if (rest.length) return undefined;
    const base = parseIPv4(address ?? "");
    const prefix = bits === undefined ? 32 : Number(bits);
    if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || bits === "") return undefined;
    const size = 2 ** (32 - prefix);
    const first = base - (base % size);
    return { first, last: first + size - 1, text: text.trim() };
}

export const isIPv6Text = (text: string) => text.includes(":");

export const cidrContains = (outer: Cidr, inner: Cidr) => outer.first <= inner.first && inner.last <= outer.last;
export const cidrOverlaps = (a: Cidr, b: Cidr) => a.first <= b.last && b.first <= a.last;
export const singleAddress = (ip: number, text: string): Cidr => ({ first: ip, last: ip, text });
