// Option values of the live CLIs (verify, lab) that commander passes as strings.

/** A flag's value as a whole number of at least 1; throws naming the flag and the value otherwise. */
export function positiveInteger(flag: string, value: string): number {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} ${value}: expected a whole number of at least 1`);
    return number;
}
