// One source for the real cluster's addresses (scripts/cluster/addresses.env): the shell sources it
// (lib.sh), the differential tier reads it (test/differential/scenario.ts), and the lab's own
// constants that name the same places must agree with it, so the flows the lab declares for kind
// name real addresses on the real cluster too (docs/cluster.md, "Addresses").
import * as childProcess from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { INTERNET_ADDRESS, WORLD_ADDRESS } from "../../scenarios/common/flows";
import { KUBE_APISERVER_ADDRESS } from "../../scenarios/yaobank/flows";
import { ADDRESSES } from "../differential/scenario";
import { parseEnvFile } from "../differential/options";

const REPO = path.join(__dirname, "..", "..");
const env = parseEnvFile(fs.readFileSync(path.join(REPO, "scripts", "cluster", "addresses.env"), "utf8"));

describe("the cluster's addresses, from scripts/cluster/addresses.env", () => {
    it("are what the shell scripts see (lib.sh sources the file)", () => {
        const keys = Object.keys(env);
        expect(keys.length).toBeGreaterThanOrEqual(10);
        const script = `source scripts/cluster/lib.sh >/dev/null 2>&1; for k in ${keys.join(" ")}; do echo "$k=\${!k}"; done`;
        const printed = childProcess.execFileSync("bash", ["-c", script], { cwd: REPO, encoding: "utf8" });
        expect(parseEnvFile(printed)).toEqual(env);
    });

    it("are what the differential tier writes into nets", () => {
        expect(ADDRESSES).toEqual({
            podCidr: env.POD_CIDR,
            nodeNet: env.NODE_NET,
            outside: env.OUTSIDE_IP,
            nodeAddress: env.NODE_IP,
            internet: env.INTERNET_IP,
        });
    });

    it("are the addresses the lab's flows name", () => {
        expect({ world: WORLD_ADDRESS, internet: INTERNET_ADDRESS, apiServer: KUBE_APISERVER_ADDRESS }).toEqual({
            world: env.WORLD_IP,
            internet: env.INTERNET_IP,
            apiServer: env.NODE_IP,
        });
    });
});
