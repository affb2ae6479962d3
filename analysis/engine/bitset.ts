/** Fixed-size bit sets over Uint32Array words: the engine's scratch sets and the dense form of index sets (index-set.ts). */
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
export function setBit(bits: Bits, i: number): void {
    bits[i >>> 5]! |= 1 << (i & 31);
}

export function popcount(bits: Bits): number {
    let count = 0;
    for (let w of bits) {
        w -= (w >>> 1) & 0x55555555;
        w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
        count += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return count;
}

/** Calls `visit` with the index of each set bit, ascending. */
export function forEachBit(bits: Bits, visit: (index: number) => void): void {
    for (let w = 0; w < bits.length; w++) {
        let word = bits[w]!;
        while (word !== 0) {
            const low = word & -word;
            visit((w << 5) + (31 - Math.clz32(low)));
            word ^= low;
        }
    }
}

/** The indexes of the set bits, ascending. */
export function bitIndexes(bits: Bits): number[] {
    const indexes: number[] = [];
    forEachBit(bits, (i) => {
        indexes.push(i);
    });
    return indexes;
}
