/**
 * Addresses and CIDRs read as the API servers read them, IPv4 and IPv6 alike, so that a value the
 * cluster refuses is refused here and a valid IPv6 value is known to be IPv6 (not merely "has a colon").
 *
 *  - `go`: Go's net.ParseIP / net.ParseCIDR (Go 1.22+, over netip): IPv4 as four decimal octets
 *    without leading zeros, IPv6 as at most eight groups of 1-4 hex digits, one `::` standing for
 *    at least one group, an IPv4 tail allowed; no zone; a CIDR's prefix is decimal digits (leading
 *    zeros accepted by dtoi). Calico (libcalico-go lib/net ParseCIDR, ParseCIDROrIP) uses it.
 *  - `kubernetes`: k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy (Go 1.16's parser), what
 *    Kubernetes v1.30 validation uses for ipBlock, clusterIPs, Endpoints: IPv4 octets may carry
 *    leading zeros (read as decimal).
 *  - `cel`: the CEL isCIDR / isIP of the network-policy-api CRDs (k8s.io/apiserver/pkg/cel/library
 *    over netip.ParsePrefix): no leading zeros in the prefix, no IPv4-mapped IPv6 address.
 */
export type IPSyntax = "go" | "kubernetes" | "cel";

export type ParsedIP = { family: 4; value: number } | { family: 6; value: bigint; mapped4: boolean };

export interface ParsedCidr {
    family: 4 | 6;
    prefix: number;
    address: ParsedIP;
    /** The address has no bits set beyond the prefix (10.0.0.0/24, not 10.0.0.1/24). */
    masked: boolean;
}

function parseIPv4Text(text: string, syntax: IPSyntax): number | undefined {
    const fields = text.split(".");
    if (fields.length !== 4) return undefined;
    let value = 0;
    for (const field of fields) {
        if (!/^[0-9]+$/.test(field)) return undefined;
        if (syntax !== "kubernetes" && (field.length > 3 || (field.length > 1 && field.startsWith("0")))) return undefined;
        const octet = Number(field);
        if (octet > 255) return undefined;
        value = value * 256 + octet;
    }
    return value;
}

function parseIPv6Text(text: string, syntax: IPSyntax): { value: bigint; mapped4: boolean } | undefined {
    if (text.includes("%")) return undefined; // zones: refused by net.ParseIP / ParseCIDR
    const ellipsis = text.indexOf("::");
    if (ellipsis !== text.lastIndexOf("::")) return undefined;
    const split = (part: string) => (part === "" ? [] : part.split(":"));
    const head = ellipsis < 0 ? split(text) : split(text.slice(0, ellipsis));
    const tail = ellipsis < 0 ? [] : split(text.slice(ellipsis + 2));
    const words = (groups: string[], last: boolean): number[] | undefined => {
        const out: number[] = [];
        for (let i = 0; i < groups.length; i++) {
            const group = groups[i]!;
            if (last && i === groups.length - 1 && group.includes(".")) {
                const v4 = parseIPv4Text(group, syntax);
                if (v4 === undefined) return undefined;
                out.push(Math.floor(v4 / 65536), v4 % 65536);
            } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
                out.push(parseInt(group, 16));
            } else {
                return undefined;
            }
        }
        return out;
    };
    const first = words(head, ellipsis < 0),
        second = words(tail, true);
    if (!first || !second) return undefined;
    const count = first.length + second.length;
    // Without "::" exactly eight groups; with it, "::" must stand for at least one (netip parseIPv6).
    if (ellipsis < 0 ? count !== 8 : count > 7) return undefined;
    const all = [...first, ...new Array<number>(8 - count).fill(0), ...second];
    const value = all.reduce((acc, word) => (acc << 16n) | BigInt(word), 0n);
    return { value, mapped4: value >> 32n === 0xffffn };
}

/** An IP address in the given syntax, or undefined when the API server would refuse it. */
export function parseIP(text: string, syntax: IPSyntax = "go"): ParsedIP | undefined {
    if (typeof text !== "string") return undefined;
    if (text.includes(":")) {
        const v6 = parseIPv6Text(text, syntax);
        if (!v6 || (syntax === "cel" && v6.mapped4)) return undefined;
        return { family: 6, ...v6 };
    }
    const v4 = parseIPv4Text(text, syntax);
    return v4 === undefined ? undefined : { family: 4, value: v4 };
}

/** "address/prefix" in the given syntax (a bare address is not a CIDR), or undefined when refused. */
export function parseCIDRText(text: string, syntax: IPSyntax = "go"): ParsedCidr | undefined {
    if (typeof text !== "string") return undefined;
    const slash = text.indexOf("/");
    if (slash < 0) return undefined;
    const address = parseIP(text.slice(0, slash), syntax);
    const bits = text.slice(slash + 1);
    if (!address || !/^[0-9]+$/.test(bits)) return undefined;
    if (syntax === "cel" && bits.length > 1 && bits.startsWith("0")) return undefined;
    const prefix = Number(bits);
    // An IPv4-mapped IPv6 address is IPv6 to netip (Is4 is false), so its prefix counts to 128.
    const width = address.family === 4 ? 32 : 128;
    if (prefix > width) return undefined;
    const masked = address.family === 4 ? address.value % 2 ** (32 - prefix) === 0 : (address.value & ((1n << BigInt(128 - prefix)) - 1n)) === 0n;
    return { family: address.family, prefix, address, masked };
}
