// One cluster per host: the machine-wide owner file (scripts/cluster/lib.sh OWNER_FILE) names the
// cache whose cluster holds the host, so `cluster:down` from another cache (npm run ci:fresh's, in
// CI's exit trap) leaves that cluster alone, and `cluster:up` from another cache refuses. Found the
// hard way: a ci:fresh run's trap took down the cluster of the user's own cache.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../helpers/temporary";

const REPO = path.resolve(__dirname, "../..");
const root = process.getuid?.() === 0;

function run(script: string, cache: string, ownerFile: string) {
    return spawnSync("bash", ["-c", script], {
        cwd: REPO,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, CLUSTER_CACHE: cache, CLUSTER_OWNER_FILE: ownerFile },
    });
}

describe("the host's one cluster and its owner", () => {
    const dir = temporaryDirectory("cluster-owner-");
    const mine = path.join(dir, "mine", "calico-zero-trust-lab", "cluster");
    const other = path.join(dir, "other", "calico-zero-trust-lab", "cluster");
    const ownerFile = path.join(dir, "owner");

    // down.sh needs root before it looks at anything (CI runs as root).
    it.runIf(root)("down from another cache touches nothing of the owner's cluster", () => {
        fs.mkdirSync(path.join(other, "state"), { recursive: true });
        fs.mkdirSync(path.join(mine, "state"), { recursive: true });
        fs.writeFileSync(ownerFile, `${other}\n`);
        const result = run("bash scripts/cluster/down.sh", mine, ownerFile);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(`down: the host's cluster was started from ${other}, not ${mine}: nothing to take down here`);
        expect(result.stdout).not.toContain("phase");
        expect(fs.readFileSync(ownerFile, "utf8").trim()).toBe(other);
    });

    it.runIf(root)("down from a cache that never started a cluster does nothing", () => {
        fs.rmSync(ownerFile, { force: true });
        const fresh = path.join(dir, "fresh", "calico-zero-trust-lab", "cluster");
        const result = run("bash scripts/cluster/down.sh", fresh, ownerFile);
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(`down: no cluster was started from ${fresh}: nothing to do`);
    });

    it("up from another cache refuses while the owner's state exists, and claims a host whose owner is gone", () => {
        fs.mkdirSync(path.join(other, "state"), { recursive: true });
        fs.writeFileSync(ownerFile, `${other}\n`);
        const refused = run("LOG_TAG=test; source scripts/cluster/lib.sh; claim_host", mine, ownerFile);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain(
            `the host's cluster belongs to ${other} (its state is there): take it down first with: XDG_CACHE_HOME=${path.join(dir, "other")} npm run cluster:down`,
        );
        fs.rmSync(path.join(other), { recursive: true });
        const claimed = run("LOG_TAG=test; source scripts/cluster/lib.sh; claim_host", mine, ownerFile);
        expect(claimed.status).toBe(0);
        expect(fs.readFileSync(ownerFile, "utf8").trim()).toBe(mine);
    });
});
