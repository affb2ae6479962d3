/** Fixed-size bit sets over Uint32Array words: the matrix's rows and the engine's endpoint sets. */
export type Bits = Uint32Array;

export const wordsFor = (size: number) => (size + 31) >>> 5;
export const emptyBits = (size: number): Bits => new Uint32Array(wordsFor(size));

export function fullBits(size: number): Bits {
    const bits = new Uint32Array(wordsFor(size)).fill(0xffffffff);
    const extra = bits.length * 32 - size;
    if (extra > 0) bits[bits.length - 1] = 0xffffffff >>> extra;
    return bits;
}

export const hasBit = (bits: Bits, i: number) => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
export function setBit(bits: Bits, i: number): void { bits[i >>> 5]! |= 1 << (i & 31); }

export function popcount(bits: Bits): number {
    let count = 0;
    for (let w of bits) { w -= (w >>> 1) & 0x55555555; w = (w & 0x33333333) + ((w >>> 2) & 0x33333333); count += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24; }
    return count;
}

export function* bitIndexes(bits: Bits): Generator<number> {
    for (let w = 0; w < bits.length; w++) {
        let word = bits[w]!;
        while (word !== 0) {
            const low = word & -word;
            yield (w << 5) + (31 - Math.clz32(low));
            word ^= low;
        }
    }
}

export function encodeBits(bits: Bits): string {
    return Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength).toString("base64");
}

export function decodeBits(text: string, size: number): Bits {
    const bytes = Buffer.from(text, "base64");
    const bits = emptyBits(size);
    new Uint8Array(bits.buffer).set(bytes.subarray(0, bits.byteLength));
    return bits;
}

/**
 * Keeps each distinct bit set once (the matrix of a large cluster has far fewer distinct rows than
 * targets): `indexOf` returns the index of the stored set equal to `bits`, storing `bits` when new.
 */
export class BitsInterner {
    readonly distinct: Bits[] = [];
    private readonly buckets = new Map<number, number[]>();

    /** `copy`: store a copy of `bits` when new, so that the caller may reuse `bits` as a scratch set. */
    indexOf(bits: Bits, copy = false): number {
        const hash = hashBits(bits);
        const bucket = this.buckets.get(hash);
        if (bucket) {
            for (const i of bucket) if (sameBits(this.distinct[i]!, bits)) return i;
        }
        const index = this.distinct.length;
        this.distinct.push(copy ? bits.slice() : bits);
        if (bucket) bucket.push(index);
        else this.buckets.set(hash, [index]);
        return index;
    }

    intern(bits: Bits, copy = false): Bits {
        return this.distinct[this.indexOf(bits, copy)]!;
    }
}

function hashBits(bits: Bits): number {
    let hash = 0x811c9dc5;
    for (let w = 0; w < bits.length; w++) hash = Math.imul(hash ^ bits[w]!, 0x01000193);
    return hash >>> 0;
}

function sameBits(a: Bits, b: Bits): boolean {
    if (a.length !== b.length) return false;
    for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
    return true;
}
