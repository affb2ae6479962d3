import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError } from "../../config";
import { parseLabConfig } from "../../scenarios/helloworld/config";
import { cidrsOverlap, kindClusterConfig, renderKindConfig } from "../../components/cluster/kind-config";

type FieldSpec = { type: string; values?: string[]; items?: string; of?: string; required?: boolean };
const SCHEMA: Record<string, Record<string, FieldSpec>> = parse(fs.readFileSync(path.join(__dirname, "kind-v1alpha4.schema.yaml"), "utf8"));

/** Every violation of kind's v1alpha4 schema, as "path: problem". */
function schemaErrors(value: any, typeName: string, at = ""): string[] {
    const fields = SCHEMA[typeName];
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${at || "."}: expected an object`];
    const errors: string[] = [];
    for (const [key, spec] of Object.entries(fields)) {
        if (spec.required && value[key] === undefined) errors.push(`${at}${key}: required`);
    }
    for (const [key, field] of Object.entries(value)) {
        const spec = fields[key];
        const where = `${at}${key}`;
        if (!spec) {
            errors.push(`${where}: unknown field (kind decodes strictly)`);
            continue;
        }
        errors.push(...fieldErrors(field, spec, where));
    }
    return errors;
}

function fieldErrors(field: any, spec: FieldSpec, where: string): string[] {
    switch (spec.type) {
        case "string":
            return typeof field === "string" ? [] : [`${where}: expected a string`];
        case "bool":
            return typeof field === "boolean" ? [] : [`${where}: expected a boolean`];
        case "int32":
            return Number.isInteger(field) ? [] : [`${where}: expected an integer`];
        case "enum":
            return spec.values!.includes(field) ? [] : [`${where}: ${JSON.stringify(field)} is not one of ${spec.values!.join(", ")}`];
        case "cidr":
            return /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(field) ? [] : [`${where}: expected an IPv4 CIDR`];
        case "object":
            return spec.of ? schemaErrors(field, spec.of, `${where}.`) : [];
        case "list":
            if (!Array.isArray(field)) return [`${where}: expected a list`];
            return field.flatMap((item, i) =>
                spec.items && SCHEMA[spec.items]
                    ? schemaErrors(item, spec.items, `${where}[${i}].`)
                    : fieldErrors(item, { type: spec.items ?? "object" }, `${where}[${i}]`),
            );
        default:
            return typeof field === "object" && !Array.isArray(field) ? [] : [`${where}: expected a map`];
    }
}

const kindSettings = (config: Record<string, string> = {}) => parseLabConfig((key) => config[key]).cluster.kind;
const generated = (config: Record<string, string> = {}) => parse(renderKindConfig(kindClusterConfig(kindSettings(config))));

describe("the generated kind cluster configuration", () => {
    it("is valid kind.x-k8s.io/v1alpha4 for the defaults and for other node counts", () => {
        for (const workers of ["0", "1", "3", "5"]) {
            expect(schemaErrors(generated({ kindWorkers: workers }), "Cluster"), `kindWorkers=${workers}`).toEqual([]);
        }
    });

    it("the schema check rejects what kind would reject (so the check above can fail)", () => {
        const config = generated();
        expect(schemaErrors({ ...config, networking: { ...config.networking, disableDefaultCni: true } }, "Cluster")).toEqual([
            "networking.disableDefaultCni: unknown field (kind decodes strictly)",
        ]);
        expect(schemaErrors({ ...config, apiVersion: "kind.sigs.k8s.io/v1alpha3" }, "Cluster")).toHaveLength(1);
        expect(schemaErrors({ ...config, nodes: [{ role: "master" }] }, "Cluster")).toEqual(['nodes[0].role: "master" is not one of control-plane, worker']);
        expect(schemaErrors({ nodes: [] }, "Cluster")).toEqual(["kind: required", "apiVersion: required"]);
    });

    it("disables kind's default CNI so Calico is the CNI, with the pod subnet equal to Calico's IP pool", () => {
        const config = generated({ podSubnet: "10.244.0.0/16" });
        expect(config.networking).toMatchObject({ disableDefaultCNI: true, podSubnet: "10.244.0.0/16" });
    });

    it("has one control plane and kindWorkers workers, all on the configured node image", () => {
        const config = generated({ kindWorkers: "2", kindNodeImage: "kindest/node:v1.32.5" });
        expect(config.nodes).toEqual([
            { role: "control-plane", image: "kindest/node:v1.32.5" },
            { role: "worker", image: "kindest/node:v1.32.5" },
            { role: "worker", image: "kindest/node:v1.32.5" },
        ]);
        expect(config.name).toBe("calico-lab");
    });

    it("refuses a pod subnet that overlaps kind's Service subnet, naming the key", () => {
        expect(() => kindClusterConfig(kindSettings({ podSubnet: "10.96.0.0/12" }))).toThrow(ConfigError);
        expect(() => kindClusterConfig(kindSettings({ podSubnet: "10.96.0.0/12" }))).toThrow(/podSubnet.*10\.96\.0\.0\/16/);
        expect(cidrsOverlap("192.168.0.0/16", "10.96.0.0/16")).toBe(false);
        expect(cidrsOverlap("10.0.0.0/8", "10.96.0.0/16")).toBe(true);
    });
});
