import { describe, expect, it } from "vitest";
import { ConfigError } from "../config";
import { parseLabConfig } from "../scenarios/helloworld/config";
import { STAGES } from "../scenarios/helloworld/stages";

const parse = (values: Partial<Record<string, string>>) => parseLabConfig((key) => values[key]);

function configError(values: Partial<Record<string, string>>): ConfigError {
    try {
        parse(values);
    } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
    }
    throw new Error(`expected a ConfigError for ${JSON.stringify(values)}`);
}

describe("lab configuration", () => {
    it("defaults to the cluster stage on kind with the calico flavor", () => {
        const config = parse({});
        expect(config.stage.name).toBe("cluster");
        expect(config.flavor).toBe("calico");
        expect(config.cluster.mode).toBe("kind");
        expect(config.namespace).toBe("zero-trust-lab");
        expect(config.app).toEqual({ image: "remkohdev/helloworld:latest", replicas: 3, nodePort: 30080 });
        expect(config.calicoApply).toBe("api-server");
    });

    it.each(STAGES.map((stage) => [stage.number, stage.name] as const))("accepts stage %i and its name %s as the same stage", (number, name) => {
        expect(parse({ stage: String(number) }).stage).toEqual(parse({ stage: name }).stage);
    });

    it("makes stages cumulative: each stage has the features of the ones before it", () => {
        const features = STAGES.map((stage) => parse({ stage: stage.name }).features);
        for (let i = 1; i < features.length; i++) {
            for (const [feature, enabled] of Object.entries(features[i - 1])) {
                if (enabled) expect(features[i][feature as keyof (typeof features)[0]], `${feature} at stage ${i}`).toBe(true);
            }
        }
        expect(features[0]).toEqual({ helloworld: false, proxy: false, defaultDeny: false, allowProxy: false, lockdown: false });
        expect(features[5]).toEqual({ helloworld: true, proxy: true, defaultDeny: true, allowProxy: true, lockdown: true });
    });

    it("uses the app image for the proxy unless proxyImage is set, as the lab does", () => {
        expect(parse({ appImage: "example/app:1" }).proxy.image).toBe("example/app:1");
        expect(parse({ appImage: "example/app:1", proxyImage: "example/proxy:2" }).proxy.image).toBe("example/proxy:2");
    });

    it("picks IKS defaults: calicoctl and the public worker host endpoints", () => {
        const config = parse({ cluster: "iks" });
        expect(config.calicoApply).toBe("calicoctl");
        expect(config.hostEndpointSelector).toBe("ibm.role == 'worker_public'");
        expect(parse({ cluster: "kind" }).hostEndpointSelector).toBe("has(kubernetes.io/hostname)");
    });

    describe("refuses bad values, naming the key, the value and what is allowed", () => {
        it.each([
            [{ stage: "7" }, "stage", /allowed stages are 0 \(cluster\), 1 \(helloworld\).*5 \(lockdown\)/],
            [{ stage: "deny" }, "stage", /allowed stages are/],
            [{ stage: "" }, "stage", /allowed stages are/],
            [{ flavor: "cilium" }, "flavor", /allowed values are calico, kubernetes/],
            [{ cluster: "minikube" }, "cluster", /allowed values are kind, iks, existing, render/],
            [{ appReplicas: "0" }, "appReplicas", /whole number from 1 to 20/],
            [{ proxyReplicas: "2.5" }, "proxyReplicas", /whole number from 1 to 20/],
            [{ appNodePort: "8080" }, "appNodePort", /whole number from 30000 to 32767/],
            [{ proxyNodePort: "40000" }, "proxyNodePort", /whole number from 30000 to 32767/],
            [{ appNodePort: "30500", proxyNodePort: "30500" }, "proxyNodePort", /must differ from appNodePort/],
            [{ namespace: "Zero_Trust" }, "namespace", /DNS-1123 label/],
            [{ namespace: "a".repeat(64) }, "namespace", /DNS-1123 label/],
            [{ appImage: "   " }, "appImage", /image reference/],
            [{ podSubnet: "192.168.0.0" }, "podSubnet", /IPv4 CIDR/],
            [{ podSubnet: "300.1.0.0/16" }, "podSubnet", /IPv4 CIDR/],
            [{ kindWorkers: "9" }, "kindWorkers", /whole number from 0 to 5/],
            [{ calicoApply: "kubectl" }, "calicoApply", /allowed values are api-server, calicoctl/],
            [{ stage: "lockdown", hostEndpointSelector: "!has(a, b)" }, "hostEndpointSelector", /expected a Calico selector: .*position/],
            [{ stage: "lockdown", hostEndpointSelector: "ibm.role == worker_public" }, "hostEndpointSelector", /Calico requires quotes/],
            [{ appImage: "remkohdev/hello world:latest" }, "appImage", /distribution reference grammar/],
            [{ proxyImage: "remkohdev/HelloWorld" }, "proxyImage", /name in lower case/],
            [{ kindNodeImage: "kindest/node:v1.33.1!" }, "kindNodeImage", /image reference/],
            [{ kindClusterName: "calico-lab!" }, "kindClusterName", /kind cluster name/],
            [{ kindClusterName: "a".repeat(51) }, "kindClusterName", /at most 50 characters/],
            [{ namespace: "kube-system" }, "namespace", /kube-system runs the cluster itself/],
            [{ namespace: "calico-system" }, "namespace", /runs the cluster itself/],
        ] as const)("%j -> %s", (values, key, allowed) => {
            const error = configError(values);
            expect(error.key).toBe(key);
            expect(error.message).toContain(`calico-zero-trust-lab:${key}`);
            expect(error.message).toMatch(allowed);
        });

        it("accepts the image references and selectors the lab documents", () => {
            const config = parse({
                appImage: "registry.example.com:5000/team/app@sha256:" + "a".repeat(64),
                hostEndpointSelector: "ibm.role in {'worker_public', 'edge'} && !has(skip)",
            });
            expect(config.app.image).toContain("@sha256:");
            expect(parse({ kindNodeImage: "kindest/node:v1.33.1", kindClusterName: "calico-lab.2" }).cluster.kind.name).toBe("calico-lab.2");
        });

        it("refuses the lockdown stage with the kubernetes flavor: only Calico can select host endpoints", () => {
            const error = configError({ stage: "lockdown", flavor: "kubernetes" });
            expect(error.key).toBe("flavor");
            expect(error.message).toMatch(/stage 5 \(lockdown\) needs Calico policies/);
            expect(() => parse({ stage: "allow-proxy", flavor: "kubernetes" })).not.toThrow();
        });
    });
});
