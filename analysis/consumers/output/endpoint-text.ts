/** `--endpoint` for people: each direction's tiers and policies in evaluation order, then what decides after them. */
import type { EndpointPolicies } from "../endpoint-policies";
import type { Write } from "./writer";

/**
 * One block per enforcement point:
 *
 *   lab/web (Deployment; labels app=web)
 *   egress, in evaluation order:
 *     tier default (order 1000000, at its end: Deny)
 *       1. np:lab/web-egress  order 100  namespace: lab, selector: app == 'web'  (2 rules)
 *     then: passed by every tier: allowed by the namespace profile kns.lab
 */
export function writeEndpointText(reports: readonly EndpointPolicies[], write: Write): void {
    reports.forEach((report, index) => {
        if (index) write("\n");
        const labels = Object.entries(report.labels).map(([key, value]) => `${key}=${value}`);
        write(`${report.endpoint} (${report.what}${labels.length ? `; labels ${labels.join(", ")}` : ""})\n`);
        if (report.note) write(`  ${report.note}\n`);
        for (const stage of report.stages) {
            write(`${stage.title}, in evaluation order:\n`);
            if (!stage.tiers.length) write("  no policy applies\n");
            for (const tier of stage.tiers) {
                const end = tier.end === "continue" ? "no default drop, on to the next table" : tier.end;
                write(`  tier ${tier.name} (order ${tier.order ?? "none"}, at its end: ${end})\n`);
                tier.policies.forEach((policy, p) => {
                    const rules = `${policy.rules} ${policy.rules === 1 ? "rule" : "rules"}`;
                    write(`    ${p + 1}. ${policy.id}  order ${policy.order ?? "none"}  ${policy.selectedBy.join(", ")}  (${rules})\n`);
                });
            }
            write(`  then: ${stage.otherwise}\n`);
        }
    });
}
