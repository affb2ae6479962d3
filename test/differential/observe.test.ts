// The batch a source pod runs per round (observe.ts): what it asks the shell, and how its lines
// are read back to the actions they answer.
import { describe, expect, it } from "vitest";
import type { ProbeAction } from "../../live/types";
import { batchCommand, parseBatch } from "./observe";

const actions: ProbeAction[] = [
    { kind: "tcp", address: "10.244.0.5", port: 80 },
    { kind: "dns-udp", server: "1.1.1.1", name: "example.org" },
    { kind: "udp", address: "10.244.0.6", port: 53 },
];

describe("a source pod's batch of probes", () => {
    it("sends TCP and UDP through one nc -each and the rest as jobs beside it", () => {
        const [shell, flag, script] = batchCommand(actions, 1);
        expect([shell, flag]).toEqual(["sh", "-c"]);
        expect(script).toContain("/bin/nc -w 1 -each 'tcp:10.244.0.5:80' 'udp:10.244.0.6:53'");
        expect(script).toContain(`( o=$('timeout' '2' 'nslookup' 'example.org' '1.1.1.1' 2>&1); r=$?; echo "@@1 $r" $o ) &`);
        expect(script.trim().endsWith("wait")).toBe(true);
    });

    it("maps nc's own numbering back to the batch's actions and leaves a missing line undefined", () => {
        const lines = parseBatch("@@n1 1 nc: timeout\n@@n0 0 \n@@1 0 Name: example.org", actions);
        expect(lines).toEqual([
            { exitCode: 0, output: "" },
            { exitCode: 0, output: "Name: example.org" },
            { exitCode: 1, output: "nc: timeout" },
        ]);
        expect(parseBatch("@@n0 0 ", actions)[2]).toBeUndefined();
        expect(parseBatch("nc: -each: bad\n@@7 0 x", actions)).toEqual([undefined, undefined, undefined]);
    });
});
