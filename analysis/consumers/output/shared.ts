/** What several formats share: cell marks, class names and lists, the terminal fit, diff lines and JSON pieces. */
import type { ConnectivityClasses } from "../classes";
import type { ExplainedDiff } from "../diff";
import type { Matrix, MatrixTarget } from "../matrix";
import type { StagedPolicyChange, StagedPreview } from "../staged-preview";
import type { ChosenView, Write } from "./writer";

export const ALLOWED = "Y",
    BLOCKED = "n",
    NOT_APPLICABLE = "-";

/** An outside source to an outside destination: not the cluster's to decide. */
export const notApplicable = (src: string, dst: string) => src.startsWith("external:") && dst.startsWith("external:");

export const sourceName = (c: number) => `S${c + 1}`;
export const destinationName = (d: number) => `D${d + 1}`;

/** One line saying what the classes summarise and how to get everything. */
export function classesHeadline(matrix: Matrix, classes: ConnectivityClasses): string {
    return (
        `${matrix.sources.length} sources in ${classes.sourceClasses.length} classes, ${matrix.targets.length} destinations in ${classes.destinationClasses.length} classes: ` +
        "every member of a source class may connect to every member of the destination classes listed for it, and to nothing else"
    );
}

/** The first `limit` members' names, then how many more. */
export function memberNames(members: number[], name: (i: number) => string, limit: number): string {
    const shown = members.slice(0, limit).map(name).join(", ");
    return members.length > limit ? `${shown} (+${members.length - limit} more)` : shown;
}

/** The terminal width when stdout is not a terminal and COLUMNS is unset. */
export const DEFAULT_WIDTH = 160;

/** How many sources (and destinations) a full matrix may have to fit `width` columns: about 4 characters per column after a 40-character label. */
export const fitColumns = (width: number) => Math.max(4, Math.floor((width - 40) / 4));

/** `auto` for a grid people read (table, md): the full matrix while it fits the terminal, else classes. */
export function fitsTerminal(matrix: Matrix, width: number): ChosenView {
    const sources = matrix.sources.length,
        targets = matrix.targets.length;
    const fit = fitColumns(width);
    if (sources <= fit && targets <= fit) return { view: "full" };
    return {
        view: "classes",
        note: `${sources} sources x ${targets} destinations do not fit ${width} columns (at most ${fit} each): printing connectivity classes; --full prints the whole matrix, --format jsonl every allowed flow`,
    };
}

/** A diff for people: `+ src -> dst port/proto` per added flow, `-` per removed one, each with why before and after; or "no change". */
export function writeDiffLines(diff: ExplainedDiff, write: Write): void {
    for (const [sign, flows] of [
        ["+", diff.added],
        ["-", diff.removed],
    ] as const) {
        for (const f of flows) write(`${sign} ${f.src} -> ${f.dst} ${f.port}/${f.protocol}\n    before: ${f.before}\n    after:  ${f.after}\n`);
    }
    if (!diff.added.length && !diff.removed.length) write("no change\n");
}

/** A staged policy and what enforcing it does, in one line: `StagedNetworkPolicy lab/x (Set): replaces np:lab/x`. */
export const stagedChangeLine = (c: StagedPolicyChange) =>
    `${c.kind} ${c.namespace ? `${c.namespace}/` : ""}${c.name} (stagedAction ${c.stagedAction}): ${c.effect} ${c.policy}`;

/** `--staged` for people: each staged policy's effect, then the changed flows as writeDiffLines writes them. */
export function writeStagedLines(preview: StagedPreview, write: Write): void {
    write(
        `enforcing ${preview.staged.length} staged ${preview.staged.length === 1 ? "policy" : "policies"} (as Calico ${preview.calicoVersion} would then enforce):\n`,
    );
    for (const change of preview.staged) write(`  ${stagedChangeLine(change)}\n`);
    write("flows that would change (before: as enforced now; after: with the staged policies enforced):\n");
    writeDiffLines(preview, write);
}

/** `{ dst, port, protocol }` of a matrix target, as JSON text. */
export const destinationJson = (target: MatrixTarget) => JSON.stringify({ dst: target.dst, port: target.port, protocol: target.protocol });
