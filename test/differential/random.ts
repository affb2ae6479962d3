// A seeded pseudo-random source (mulberry32: 32-bit state, fast, good enough for test-case
// generation; https://gist.github.com/tommyettinger/46a874533244883189143505d203312c). The same
// seed gives the same scenario on every machine: a scenario is named by its seed.
export class Random {
    private state: number;

    constructor(seed: number) {
        this.state = seed >>> 0;
    }

    /** A float in [0, 1). */
    next(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** An integer in [min, max]. */
    int(min: number, max: number): number {
        return min + Math.floor(this.next() * (max - min + 1));
    }

    chance(probability: number): boolean {
        return this.next() < probability;
    }

    pick<T>(items: readonly T[]): T {
        if (items.length === 0) throw new Error("pick from an empty list");
        return items[Math.floor(this.next() * items.length)];
    }

    /** One key of a weight table, with probability proportional to its weight. */
    weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
        const entries = Object.entries(weights) as [K, number][];
        const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
        let roll = this.next() * total;
        for (const [key, weight] of entries) {
            roll -= weight;
            if (roll < 0) return key;
        }
        return entries[entries.length - 1][0];
    }

    /** A random subset of items, each kept with the probability given, in their order. */
    subset<T>(items: readonly T[], probability: number): T[] {
        return items.filter(() => this.chance(probability));
    }
}
