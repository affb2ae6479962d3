// What every scenario's outputs share: the "try it" commands' first line, and the stage's
// column of the truth table as `pulumi up` shows it.
import type { Expectation } from "./stages";

/** The shell assignment of $NODE_IP (the first node's InternalIP) that every "try it" command uses. */
export const NODE_IP_COMMAND = "NODE_IP=$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type==\"InternalIP\")].address}')";

/** A verdict of the stage's intent table, in the lab walk's words. */
export type IntentVerdict = "allowed" | "blocked";

/**
 * The stage's column of a truth table as the `zeroTrustIntent` stack output: one key per flow that
 * exists at the stage, "<row number> <flow>", the number zero-padded to the table's width so that
 * Pulumi, which prints an object's keys sorted as strings, prints them in truth-table order; a
 * description's closing remark in parentheses is left to the docs, so the table stays narrow.
 * Rows not applicable at the stage ("-") are left out.
 * @param column the whole truth table, in order, with this stage's expectation of each row
 */
export function intentTable(column: readonly { flow: { description: string }; expected: Expectation }[]): Record<string, IntentVerdict> {
    const width = String(column.length).length;
    const rows = column.flatMap(({ flow, expected }, index) =>
        expected === "-"
            ? []
            : [
                  [
                      `${String(index + 1).padStart(width, "0")} ${flow.description.replace(/ \([^()]*\)$/, "")}`,
                      expected === "Y" ? "allowed" : "blocked",
                  ] as const,
              ],
    );
    return Object.fromEntries(rows);
}
