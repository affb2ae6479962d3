// The Debian packages of the real-cluster tier (scripts/lib/packages.sh): every step installs what it
// needs itself, and one that may not install names the missing package and the command to install it.
// dpkg-query is replaced by a stub that knows only the packages a test says are installed.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../helpers/temporary";

const REPO = path.resolve(__dirname, "../..");

/** A PATH directory whose dpkg-query reports installed exactly the packages in `installed`. */
function dpkgStub(installed: string[]): string {
    const dir = temporaryDirectory("dpkg-stub-");
    const script = `#!/bin/sh\n# dpkg-query -W -f=FORMAT PKG\nfor p in ${installed.join(" ")}; do [ "$p" = "$3" ] && { printf 'install ok installed'; exit 0; }; done\nexit 1\n`;
    fs.writeFileSync(path.join(dir, "dpkg-query"), script, { mode: 0o755 });
    return dir;
}

function runBash(script: string, installed: string[], env: Record<string, string> = {}) {
    const cache = temporaryDirectory("cluster-cache-");
    return spawnSync("bash", ["-c", script], {
        cwd: REPO,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, PATH: `${dpkgStub(installed)}:${process.env.PATH}`, CLUSTER_CACHE: cache, PACKAGES_INSTALL: "0", ...env },
    });
}

const LIB = "LOG_TAG=test; source scripts/lib/go-build.sh; LOGS=$CLUSTER_CACHE/logs; source scripts/lib/packages.sh;";

describe("Debian packages of the real-cluster tier", () => {
    it("a missing package is named with the step that needs it and the command that installs it", () => {
        const result = runBash(`${LIB} ensure_packages cluster:up iptables nftables busybox-static`, ["iptables"]);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(
            "packages: cluster:up needs the Debian packages nftables busybox-static, which are not installed: apt-get update && apt-get install -y --no-install-recommends nftables busybox-static",
        );
    });

    it("nothing to install when every package is there", () => {
        const result = runBash(`${LIB} ensure_packages cluster:up iptables nftables`, ["iptables", "nftables"]);
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toContain("packages: cluster:up has all it needs (iptables nftables)");
    });

    it("cluster:build on its own asks for busybox-static (the probe image's shell) before compiling anything", () => {
        const result = runBash("bash scripts/cluster/build.sh", []);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("packages: cluster:build needs the Debian packages busybox-static");
        expect(result.stdout).not.toContain("compiling");
    });

    it("the browser tier asks for chromium and its font, naming the apt-get command, before anything runs", () => {
        const result = runBash("bash scripts/install-browser.sh", []);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(
            "packages: test:browser needs the Debian packages chromium fonts-liberation, which are not installed: apt-get update && apt-get install -y --no-install-recommends chromium fonts-liberation",
        );
        expect(result.stdout).toBe("");
    });

    it("cluster:up needs nftables: down deletes the iptables-nft tables up created with nft, and the snapshot lists them", () => {
        const result = runBash(`${LIB} printf '%s\\n' $CLUSTER_RUN_PACKAGES`, []);
        expect(result.stdout.trim().split("\n")).toEqual(expect.arrayContaining(["nftables", "iptables", "busybox-static", "containerd", "etcd-server"]));
    });
});
