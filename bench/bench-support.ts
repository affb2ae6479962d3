/** What the benchmark needs from the analyzer, through its public API only. */
import { allowedSources, buildModel, connectivityMatrix, Matrix, query } from "../analysis";
import type { KubeObject } from "../analysis";

export { buildModel, connectivityMatrix, query };
export type { KubeObject };

/** Number of allowed (source, target) cells. */
export function popcountMatrix(matrix: Matrix): number {
    let total = 0;
    for (let t = 0; t < matrix.targets.length; t++) total += allowedSources(matrix, t).count;
    return total;
}
