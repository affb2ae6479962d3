/** `--format table` (the default): for a terminal. The grid with numbered columns, the classes as a listing, the verdict in two lines. */
import Table from "cli-table3";
import type { ConnectivityClasses } from "../classes";
import { allowedSources, Matrix, MatrixTarget, targetKey } from "../matrix";
import {
    ALLOWED,
    BLOCKED,
    classesHeadline,
    destinationName,
    fitsTerminal,
    memberNames,
    NOT_APPLICABLE,
    notApplicable,
    sourceName,
    writeDiffLines,
    writeStagedLines,
} from "./shared";
import { writeEndpointText } from "./endpoint-text";
import { formatVerdict } from "./verdict-text";
import type { FormatWriter, Write } from "./writer";

const columnTitle = (t: MatrixTarget) => `${t.dst}:${t.port}/${t.protocol}`;

/**
 * Rows are sources, columns destinations and ports (Kubernetes e2e "reachability" layout). The
 * columns are numbered and the numbers listed under the table, so that the table is as wide as
 * its longest source plus about 4 characters per destination (shared.ts's fitColumns).
 */
export function formatTable(matrix: Matrix): string {
    const numbers = matrix.targets.map((_, t) => String(t + 1));
    const table = new Table({
        head: ["from \\ to", ...numbers],
        style: { head: [], border: [] },
        chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    });
    matrix.sources.forEach((src, s) =>
        table.push([
            src,
            ...matrix.targets.map((target, t) => {
                if (notApplicable(src, target.dst)) return NOT_APPLICABLE;
                return allowedSources(matrix, t).has(s) ? ALLOWED : BLOCKED;
            }),
        ]),
    );
    const width = numbers.at(-1)?.length ?? 1;
    const legend = matrix.targets.map((target, t) => `  ${numbers[t]!.padStart(width)}  ${columnTitle(target)}`);
    return `${table.toString()}\nto:\n${legend.join("\n")}\n${ALLOWED} = allowed, ${BLOCKED} = blocked, ${NOT_APPLICABLE} = not applicable\n`;
}

/**
 * The destination classes, then each source class with the destination classes it reaches;
 * member lists stop after `limit` names (--format jsonl --classes lists them all).
 */
export function writeClassesText(matrix: Matrix, classes: ConnectivityClasses, write: Write, limit = 4): void {
    write(`${classesHeadline(matrix, classes)}.\n\ndestination classes\n`);
    classes.destinationClasses.forEach((members, d) => {
        write(`  ${destinationName(d).padEnd(6)} ${memberNames(members, (t) => targetKey(matrix.targets[t]!), limit)}\n`);
    });
    write("\nsource classes  ->  the destination classes they may connect to\n");
    classes.sourceClasses.forEach((members, c) => {
        const reached = classes.reaches[c]!;
        write(
            `  ${sourceName(c).padEnd(6)} ${memberNames(members, (s) => matrix.sources[s]!, limit)}  ->  ${reached.length ? reached.map(destinationName).join(" ") : "nothing"}\n`,
        );
    });
}

export const tableWriter: FormatWriter = {
    autoView: fitsTerminal,
    matrix: (matrix, write) => write(formatTable(matrix)),
    classes: (matrix, classes, write) => writeClassesText(matrix, classes, write),
    diff: writeDiffLines,
    staged: writeStagedLines,
    verdict: (verdict, write) => write(formatVerdict(verdict)),
    endpoint: writeEndpointText,
};
