// Input in the forms kubectl and the API server produce: typed lists, JSON, tabs inside flow
// collections; and malformed objects refused with a message, never a crash.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AnalysisInputError, buildModel, loadManifests, parseManifests } from "../../analysis";

describe("lists", () => {
    it("gives the items of a typed list (kind PodList, apiVersion v1) the list's kind and apiVersion", () => {
        const objects = parseManifests(
            "kind: PodList\napiVersion: v1\nmetadata: {resourceVersion: '1'}\nitems:\n- metadata: {name: a, namespace: x}\n  spec: {containers: []}\n",
            "pods.yaml",
        );
        expect(objects.map((o) => [o.apiVersion, o.kind, o.metadata.name])).toEqual([["v1", "Pod", "a"]]);
    });

    it("keeps an item's own apiVersion and kind (kind: List, as kubectl get -o yaml prints)", () => {
        const objects = parseManifests(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: ns}}\n",
            "all.yaml",
        );
        expect(objects.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual(["apps/v1 Deployment", "v1 Namespace"]);
    });

    it("reads an empty list (items: null) as no objects", () => {
        expect(parseManifests('{"kind": "NamespaceList", "apiVersion": "v1", "items": null}', "ns.json")).toEqual([]);
    });

    it("names the item of a List that has no kind", () => {
        expect(() =>
            parseManifests(
                "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, metadata: {name: b}}\n",
                "l.yaml",
            ),
        ).toThrow('l.yaml (document 1): items[1].kind: missing or empty "kind"');
    });
});

describe("one object declared twice", () => {
    const deployment = (namespace: string, apiVersion = "apps/v1") => `---
apiVersion: ${apiVersion}
kind: Deployment
metadata: {name: web, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x}]}}
`;
    it("is refused, naming both places; the API group counts, not its version", () => {
        expect(() => buildModel(parseManifests(deployment("lab") + deployment("lab"), "twice.yaml"))).toThrow(
            "twice.yaml (document 2): Deployment lab/web: declared twice (first in twice.yaml document 1)",
        );
        expect(() => buildModel(parseManifests(deployment("lab") + deployment("lab", "apps/v1beta1"), "twice.yaml"))).toThrow(
            "twice.yaml (document 2): Deployment lab/web: declared twice (first in twice.yaml document 1)",
        );
    });

    it("is not the same name in another namespace or of another kind", () => {
        const model = buildModel(
            parseManifests(
                `${deployment("lab")}${deployment("shop")}---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: lab}
spec: {selector: {app: web}, ports: [{port: 80}]}
`,
                "ok.yaml",
            ),
        );
        expect(model.workloads.map((w) => w.id)).toEqual(["lab/web", "shop/web"]);
    });

    it('compares namespaces as text, also for kinds no schema checks (5 and "5")', () => {
        const widget = (namespace: string) => `---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: ${namespace}}\n`;
        expect(() => buildModel(parseManifests(widget("5") + widget("'5'"), "w.yaml"), { ignoreUnknownKinds: true })).toThrow(
            "w.yaml (document 2): Widget 5/w: declared twice (first in w.yaml document 1)",
        );
    });
});

describe("tabs", () => {
    it("reads a tab that starts a line inside a flow sequence, as kubectl does", () => {
        const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    args: [\n      "-a",\n\t    "-b"\n    ]\n';
        expect(parseManifests(text, "pod.yaml")[0]!.spec.containers[0].args).toEqual(["-a", "-b"]);
    });

    it("still refuses a tab indenting a block mapping", () => {
        expect(() => parseManifests("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: p\n", "pod.yaml")).toThrow(/pod.yaml \(document 1, line 4\): invalid YAML/);
    });
});

describe("malformed pods", () => {
    it("refuses ports that are not a list, naming the pod and key", () => {
        const objects = parseManifests(
            '{"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "p", "namespace": "x"}, "spec": {"containers": [{"ports": {}}]}}]}',
            "pods.json",
        );
        expect(() => buildModel(objects)).toThrow(AnalysisInputError);
        expect(() => buildModel(objects)).toThrow("pods.json (document 1): Pod x/p: spec.containers[0].ports: expected a list, got a map");
    });

    it("refuses a container that is not a map", () => {
        const objects = parseManifests("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [nginx]}\n", "p.yaml");
        expect(() => buildModel(objects)).toThrow('Pod p: spec.containers[0]: expected a map, got "nginx"');
    });
});

describe("files", () => {
    it("reads .json manifests in a directory and skips JSON that is no Kubernetes object", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "analysis-json-"));
        try {
            fs.writeFileSync(path.join(dir, "ns.json"), '{"kind": "NamespaceList", "apiVersion": "v1", "items": [{"metadata": {"name": "a"}}]}');
            fs.writeFileSync(path.join(dir, "report.json"), '[{"src": "a", "dst": "b"}]');
            expect(loadManifests([dir]).map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(["Namespace a"]);
            expect(() => loadManifests([path.join(dir, "report.json")])).toThrow("expected a Kubernetes object");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
