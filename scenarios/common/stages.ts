// What every scenario's stage table is made of: a stage row, cumulative features, the stage
// lookup by number or name, and the truth table's vocabulary (Y / n / -).

/** One row of a scenario's stage table. */
export interface StageRow<Name extends string = string, Number extends number = number> {
    number: Number;
    name: Name;
    title: string;
    /** What this stage adds on top of the previous one, in the lab's words. */
    adds: string;
}

/** Y = allowed, n = blocked, - = not applicable (a workload of the flow does not exist yet). */
export type Expectation = "Y" | "n" | "-";
export type Protocol = "TCP" | "UDP";

/** The features a stage has, given the stage that introduces each: stages are cumulative. */
export function featuresAt<Feature extends string>(introducedAt: Record<Feature, number>, stage: StageRow): Record<Feature, boolean> {
    const entries = Object.entries<number>(introducedAt).map(([feature, introduced]) => [feature, stage.number >= introduced]);
    return Object.fromEntries(entries) as Record<Feature, boolean>;
}

/** Resolves a stage given by number ("3") or name ("deny-all") in a stage table; undefined when it is neither. */
export function findStageIn<Row extends StageRow>(stages: readonly Row[], value: string): Row | undefined {
    const trimmed = value.trim();
    return stages.find((stage) => String(stage.number) === trimmed || stage.name === trimmed);
}
