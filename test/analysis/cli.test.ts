// The command: formats, --query, --queries, --diff, and exit code 2 with a message naming file, object and key.
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { runCapturing } from "./helpers";
import { describe, expect, it } from "vitest";

const HERE = __dirname;
const LOCKDOWN = path.join(HERE, "scenarios/lab-calico-lockdown/cluster.yaml");
const KUBERNETES = path.join(HERE, "scenarios/lab-kubernetes-allow-proxy/cluster.yaml");
const fixture = (name: string) => path.join(HERE, "fixtures", name);

const run = (...args: string[]) => runCapturing(args);

describe("analyze command", () => {
    it("prints the matrix as a table by default, sources by destinations", () => {
        const { code, stdout } = run(LOCKDOWN);
        expect(code).toBe(0);
        const proxyRow = stdout.split("\n").find((line) => line.includes("│ lab/helloworld-proxy "))!;
        expect(proxyRow).toBeDefined();
        expect(stdout).toContain("nodeport:lab/helloworld:30080/TCP");
        expect(stdout).toContain("Y = allowed, n = blocked");
        // Numbered destination columns, listed under the table: the lab's matrix fits 80 columns.
        expect(stdout).toContain("│ from \\ to             │ 1 │ 2 │ 3 │ 4 │ 5 │ 6 │ 7 │ 8 │ 9 │");
        expect(proxyRow).toBe("│ lab/helloworld-proxy  │ Y │ Y │ Y │ n │ n │ Y │ n │ n │ n │");
        expect(stdout).toContain("\n  8  nodeport:lab/helloworld:30080/TCP\n");
        expect(Math.max(...stdout.split("\n").map((line) => line.length))).toBeLessThanOrEqual(80);
    });

    it("prints JSON cells, a Markdown table and a Mermaid graph", () => {
        const json = JSON.parse(run(LOCKDOWN, "--format", "json").stdout);
        expect(json.cells).toContainEqual({ src: "lab/helloworld-proxy", dst: "lab/helloworld", port: 8080, protocol: "TCP", allowed: true });
        expect(json.cells).toContainEqual({ src: "lab/helloworld", dst: "lab/helloworld-proxy", port: 8080, protocol: "TCP", allowed: false });
        const md = run(LOCKDOWN, "--format", "md").stdout;
        expect(md.split("\n")[1]).toMatch(/^\|---\|(:-:\|)+$/);
        expect(md).toContain("| lab/helloworld-proxy |");
        const mermaid = run(LOCKDOWN, "--format", "mermaid").stdout;
        expect(mermaid.startsWith("flowchart LR")).toBe(true);
        expect(mermaid).toMatch(/-->\|"8080\/TCP"\|/);
    });

    it("prints one allowed flow per line with --format jsonl, classes with --classes, and refuses --full with --classes", () => {
        const flows = run(LOCKDOWN, "--format", "jsonl")
            .stdout.trimEnd()
            .split("\n")
            .map((line) => JSON.parse(line));
        expect(flows).toContainEqual({ src: "lab/helloworld-proxy", dst: "lab/helloworld", port: 8080, protocol: "TCP" });
        expect(flows).not.toContainEqual(expect.objectContaining({ src: "lab/helloworld", dst: "lab/helloworld-proxy", port: 8080 }));
        const classes = run(LOCKDOWN, "--classes");
        // 7 workload, external and NodePort destinations, plus the two Services (service:lab/helloworld, service:lab/helloworld-proxy)
        expect(classes.stdout).toMatch(/^5 sources in \d+ classes, 9 destinations in \d+ classes/);
        expect(classes.stderr).not.toMatch(/error/);
        const both = run(LOCKDOWN, "--classes", "--full");
        expect(both.code).toBe(2);
        expect(both.stderr).toMatch(/option '--full' cannot be used with option '--classes'/);
    });

    it("answers --query with the verdict first and the deciding rule and place, in two lines", () => {
        const { code, stdout } = run(LOCKDOWN, "--query", "external:203.0.113.10", "nodeport:lab/helloworld", "30080/TCP");
        expect(code).toBe(0);
        expect(stdout.split("\n")).toEqual([
            "BLOCKED  external:203.0.113.10 -> nodeport:lab/helloworld 30080/TCP",
            "  at the host, before DNAT (preDNAT policy of hostendpoint:node-auto-hep): denied by gnp:nodeport-lockdown ingress[0] (tier default)",
            "",
        ]);
        expect(run(LOCKDOWN, "--query", "lab/helloworld-proxy", "lab/helloworld", "8080").stdout).toMatch(
            /^ALLOWED {2}lab\/helloworld-proxy -> lab\/helloworld 8080\/TCP\n {2}allowed by np:lab\/proxy-to-app egress\[0\]/,
        );
    });

    it("refuses a --query without SRC DST PORT before reading any file", () => {
        const { code, stderr } = run(fixture("no-such-file.yaml"), "--query", "lab/helloworld", "lab/helloworld-proxy");
        expect(code).toBe(2);
        expect(stderr).toContain('--query needs exactly SRC DST PORT[/PROTO], got "lab/helloworld lab/helloworld-proxy"');
        expect(stderr).not.toContain("no-such-file");
    });

    it("answers --query --format json with one JSON object carrying the verdict and both directions' explanation", () => {
        const { code, stdout } = run(LOCKDOWN, "--format", "json", "--query", "external:203.0.113.10", "nodeport:lab/helloworld", "30080/TCP");
        expect(code).toBe(0);
        const verdict = JSON.parse(stdout);
        expect(verdict.allowed).toBe(false);
        expect(verdict.explanation.hostPreDnat.steps[0].policy.id).toBe("gnp:nodeport-lockdown");
        expect(verdict.explanation).toHaveProperty("egress");
        expect(verdict.explanation).toHaveProperty("ingress");
        // The paths may come after the query too.
        expect(JSON.parse(run("--format", "json", "--query", "lab/helloworld-proxy", "lab/helloworld", "8080", LOCKDOWN).stdout).allowed).toBe(true);
    });

    it("answers --queries with one JSON line per query, in order", () => {
        const { code, stdout } = run(LOCKDOWN, "--queries", fixture("queries.txt"));
        expect(code).toBe(0);
        expect(
            stdout
                .trim()
                .split("\n")
                .map((line) => JSON.parse(line).allowed),
        ).toEqual([true, false, true]);
    });

    it("lists the flows added and removed by --diff", () => {
        const { code, stdout } = run("--diff", fixture("lab-open.yaml"), "--", KUBERNETES);
        expect(code).toBe(0);
        expect(stdout).toContain("- lab/helloworld -> lab/helloworld-proxy 8080/TCP");
        expect(stdout).toContain("- external:203.0.113.10 -> nodeport:lab/helloworld 30080/TCP");
        expect(stdout).not.toContain("lab/helloworld-proxy -> lab/helloworld 8080/TCP");
        expect(run("--diff", LOCKDOWN, "--", LOCKDOWN).stdout).toBe("no change\n");
        const json = JSON.parse(run("--diff", KUBERNETES, "--format", "json", "--", fixture("lab-open.yaml")).stdout);
        expect(json.removed).toEqual([]);
        expect(json.added).toContainEqual(expect.objectContaining({ src: "lab/helloworld", dst: "lab/helloworld-proxy", port: 8080, protocol: "TCP" }));
    });

    it("says why each flow changed: the verdict before and after, with the deciding rule or policy and where it stops", () => {
        const { code, stdout } = run("--diff", fixture("lab-open.yaml"), "--", KUBERNETES);
        expect(code).toBe(0);
        const lines = stdout.split("\n");
        const at = lines.indexOf("- lab/helloworld -> lab/helloworld-proxy 8080/TCP");
        expect(lines.slice(at, at + 3)).toEqual([
            "- lab/helloworld -> lab/helloworld-proxy 8080/TCP",
            "    before: allowed: no policy selects egress of lab/helloworld: allowed by the namespace profile kns.lab; no policy selects ingress of lab/helloworld-proxy: allowed by the namespace profile kns.lab",
            "    after:  blocked at lab/helloworld's egress: denied at the end of tier default: knp:lab/deny-all selects egress of lab/helloworld but no rule matches",
        ]);
        const flows = run("--diff", KUBERNETES, "--format", "jsonl", "--", fixture("lab-open.yaml"))
            .stdout.trimEnd()
            .split("\n")
            .map((line) => JSON.parse(line));
        expect(flows).toContainEqual({
            change: "added",
            src: "lab/helloworld",
            dst: "lab/helloworld-proxy",
            port: 8080,
            protocol: "TCP",
            before: "blocked at lab/helloworld's egress: denied at the end of tier default: knp:lab/deny-all selects egress of lab/helloworld but no rule matches",
            after: "allowed: no policy selects egress of lab/helloworld: allowed by the namespace profile kns.lab; no policy selects ingress of lab/helloworld-proxy: allowed by the namespace profile kns.lab",
        });
    });

    it("says which side lacks a source or destination that only the other has", () => {
        const { stdout } = run("--diff", fixture("lab-open.yaml"), "--", fixture("lab-open.yaml"), fixture("new-workload.yaml"));
        expect(stdout).toContain(
            "+ lab/helloworld -> shop/web 80/TCP\n    before: no destination shop/web 80/TCP\n    after:  allowed: no policy selects egress of lab/helloworld",
        );
        expect(stdout).toContain("+ shop/web -> lab/helloworld 8080/TCP\n    before: no source shop/web\n");
    });

    it("exits 1 with --exit-code when a flow changed and 0 when none did, as git diff --exit-code", () => {
        expect(run("--exit-code", "--diff", fixture("lab-open.yaml"), "--", KUBERNETES).code).toBe(1);
        const same = run("--exit-code", "--diff", LOCKDOWN, "--", LOCKDOWN);
        expect(same).toMatchObject({ code: 0, stdout: "no change\n" });
        const alone = run("--exit-code", LOCKDOWN);
        expect(alone.code).toBe(2);
        expect(alone.stderr).toBe("error: --exit-code goes with --diff or --staged: it says whether a flow changed (would change)\n");
    });

    it.each([
        ["invalid YAML", [fixture("bad-yaml.yaml")], /bad-yaml\.yaml \(document 2, line \d+\): invalid YAML: Flow sequence/],
        [
            "a malformed selector",
            [fixture("bad-selector.yaml")],
            /bad-selector\.yaml \(document 1\): GlobalNetworkPolicy helloworld-allow: spec\.selector: malformed selector: expected a quoted string/,
        ],
        ["an unknown kind", [fixture("unknown-kind.yaml")], /unknown-kind\.yaml \(document 1\): CiliumNetworkPolicy lab\/l7: unknown kind CiliumNetworkPolicy/],
        [
            "an unknown workload",
            [LOCKDOWN, "--query", "lab/nope", "lab/helloworld", "8080"],
            /unknown source "lab\/nope"; known in lab: lab\/helloworld, lab\/helloworld-proxy/,
        ],
        ["a missing file", ["/nonexistent.yaml"], /nonexistent\.yaml: no such file or directory/],
        ["a bad port", [LOCKDOWN, "--query", "lab/helloworld", "lab/helloworld", "8080/ICMP"], /ICMP has no port; write ICMP alone/],
        ["an unknown protocol", [LOCKDOWN, "--query", "lab/helloworld", "lab/helloworld", "8080/GRE"], /protocol "GRE" is not one of TCP, UDP, SCTP, ICMP/],
        ["an unknown option", [LOCKDOWN, "--frobnicate"], /unknown option/],
    ])("exits 2 on %s, naming what is wrong", (_what, args, message) => {
        const { code, stdout, stderr } = run(...args);
        expect(code).toBe(2);
        expect(stdout).toBe("");
        expect(stderr).toMatch(message);
    });

    it("ignores unknown kinds on request, with a warning", () => {
        const { code, stderr } = run(fixture("unknown-kind.yaml"), LOCKDOWN, "--ignore-unknown-kinds");
        expect(code).toBe(0);
        expect(stderr).toMatch(/warning: ignored CiliumNetworkPolicy lab\/l7/);
    });

    it("runs as `npm run --silent analyze` with the process exit code", () => {
        const npm = process.platform === "win32" ? "npm.cmd" : "npm";
        const ok = execFileSync(npm, ["run", "--silent", "analyze", "--", LOCKDOWN, "--query", "lab/helloworld-proxy", "lab/helloworld", "8080"], {
            cwd: path.join(HERE, "../.."),
            encoding: "utf8",
        });
        expect(ok).toMatch(/^ALLOWED /);
        const bad = spawnSync(npm, ["run", "--silent", "analyze", "--", fixture("bad-selector.yaml")], { cwd: path.join(HERE, "../.."), encoding: "utf8" });
        expect(bad.status).toBe(2);
        expect(bad.stderr).toContain("malformed selector");
    });
});
