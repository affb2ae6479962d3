// The yaobank scenario's configuration: its stage table, its images, and the errors that name
// the key, the value and what the scenario accepts.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../config";
import { parseLabConfig } from "../../scenarios/helloworld/config";
import { parseScenario } from "../../scenarios/registry";
import { parseYaobankConfig } from "../../scenarios/yaobank/config";
import { YAOBANK_STAGES } from "../../scenarios/yaobank/stages";
import { RENDER, runProgram } from "../helpers/program";

type Values = Partial<Record<string, string>>;
const parse = (values: Values) => parseYaobankConfig((key) => (({ scenario: "yaobank", ...values }) as Values)[key]);

function configError(attempt: () => unknown): ConfigError {
    try {
        attempt();
    } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
    }
    throw new Error("expected a ConfigError");
}

describe("yaobank configuration", () => {
    it("defaults: stage 0, calico, the env-reading images of the three-namespace layout", () => {
        const config = parse({});
        expect(config.scenario).toBe("yaobank");
        expect(config.stage.name).toBe("cluster");
        expect(config.flavor).toBe("calico");
        expect(config.images).toEqual({
            customer: "rezareza/yaobank-customer:azure",
            summary: "rezareza/yaobank-summary:azure",
            database: "rezareza/yaobank-database:azure",
        });
    });

    it("the scenario key defaults to helloworld", () => {
        expect(parseScenario(() => undefined).name).toBe("helloworld");
        expect(parseScenario((key) => (key === "scenario" ? "yaobank" : undefined)).name).toBe("yaobank");
    });

    it.each(YAOBANK_STAGES.map((stage) => [stage.number, stage.name] as const))("accepts stage %i and its name %s as the same stage", (number, name) => {
        expect(parse({ stage: String(number) }).stage).toEqual(parse({ stage: name }).stage);
    });

    it("makes stages cumulative", () => {
        const features = YAOBANK_STAGES.map((stage) => parse({ stage: stage.name }).features);
        expect(features[0]).toEqual({ app: false, summaryToDatabase: false, defaultAppPolicy: false, calicoPolicies: false });
        expect(features[4]).toEqual({ app: true, summaryToDatabase: true, defaultAppPolicy: true, calicoPolicies: true });
        for (let i = 1; i < features.length; i++) {
            for (const [feature, enabled] of Object.entries(features[i - 1]!)) {
                if (enabled) expect(features[i]![feature as keyof (typeof features)[0]]).toBe(true);
            }
        }
    });

    it("shares the cluster settings with the helloworld lab", () => {
        const config = parse({ cluster: "iks", kubeconfigContext: "lab" });
        expect(config.cluster.mode).toBe("iks");
        expect(config.cluster.kubeconfigContext).toBe("lab");
        expect(config.calicoApply).toBe("calicoctl");
    });

    describe("refuses bad values, naming the key, the value and what the scenario allows", () => {
        it.each([
            [
                { stage: "lockdown" },
                "stage",
                "lockdown",
                /with scenario yaobank, allowed stages are 0 \(cluster\), 1 \(app\), 2 \(p-summary2database\), 3 \(default-app-policy\), 4 \(calico-policies\)/,
            ],
            [{ stage: "5" }, "stage", "5", /allowed stages are 0 \(cluster\)/],
            [{ stage: "deny-all" }, "stage", "deny-all", /with scenario yaobank/],
            [
                { stage: "default-app-policy", flavor: "kubernetes" },
                "flavor",
                "kubernetes",
                /stage 3 \(default-app-policy\) needs Calico policies.*use flavor calico or a stage below 3/,
            ],
            [{ yaobankImages: "rezareza/yaobank-customer:azure" }, "yaobankImages", "rezareza/yaobank-customer:azure", /\{app\}/],
            [{ cluster: "minikube" }, "cluster", "minikube", /allowed values are kind, iks, existing, render/],
        ] as const)("%j -> %s", (values, key, value, allowed) => {
            const error = configError(() => parse(values));
            expect(error.key).toBe(key);
            expect(error.value).toBe(value);
            expect(error.message).toContain(`calico-zero-trust-lab:${key} = ${JSON.stringify(value)}`);
            expect(error.message).toMatch(allowed);
        });

        it("allows the kubernetes flavor before the Calico stages", () => {
            expect(parse({ stage: "p-summary2database", flavor: "kubernetes" }).flavor).toBe("kubernetes");
        });

        it("an unknown scenario names the two scenarios", () => {
            const error = configError(() => parseScenario((key) => (key === "scenario" ? "yaobnk" : undefined)));
            expect(error.key).toBe("scenario");
            expect(error.message).toMatch(/allowed values are helloworld, yaobank/);
        });

        it("a yaobank stage is not a helloworld stage", () => {
            const error = configError(() => parseLabConfig((key) => (key === "stage" ? "calico-policies" : undefined)));
            expect(error.key).toBe("stage");
            expect(error.message).toMatch(/allowed stages are 0 \(cluster\), 1 \(helloworld\)/);
        });
    });

    describe("the program stops before registering anything", () => {
        it.each([
            [{ scenario: "yaobank", stage: "lockdown" }, /calico-zero-trust-lab:stage = "lockdown".*with scenario yaobank/],
            [{ scenario: "yaobank", stage: "calico-policies", flavor: "kubernetes" }, /needs Calico policies/],
            [{ scenario: "yaobnk" }, /calico-zero-trust-lab:scenario = "yaobnk"/],
        ])("%j", async (config, message) => {
            await expect(runProgram({ ...RENDER, ...config })).rejects.toThrow(message);
        });
    });
});
