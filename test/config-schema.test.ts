import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_NAME } from "../config";
import { CONFIG_KEYS } from "../scenarios/registry";

const root = path.join(__dirname, "..");
const readYaml = (file: string) => parse(fs.readFileSync(path.join(root, file), "utf8"));

describe("Pulumi.yaml", () => {
    const project = readYaml("Pulumi.yaml");

    it("names the project the config keys are read under", () => {
        expect(project.name).toBe(PROJECT_NAME);
        expect(project.runtime.name).toBe("nodejs");
    });

    it("declares exactly the keys the program reads, with the same types, defaults and descriptions", () => {
        const declared = project.config as Record<string, unknown>;
        const expected = Object.fromEntries(Object.entries(CONFIG_KEYS).map(([key, schema]) => [key, { ...schema }]));
        expect(declared).toEqual(expected);
    });

    it.each(["dev", "staging", "prod"])("Pulumi.%s.yaml sets only declared keys of this project, and no per-user state", (stack) => {
        const settings = readYaml(`Pulumi.${stack}.yaml`).config as Record<string, unknown>;
        for (const key of Object.keys(settings)) {
            const [projectName, name] = key.split(":");
            expect(projectName).toBe(PROJECT_NAME);
            expect(Object.keys(CONFIG_KEYS)).toContain(name);
        }
        // pulumi stack init writes the passphrase's salt; a committed one would bind every clone to it.
        expect(readYaml(`Pulumi.${stack}.yaml`)).not.toHaveProperty("encryptionsalt");
    });

    it("Pulumi.dev.yaml is the README's local lab: kind, the calico flavor, stage 0", () => {
        expect(readYaml("Pulumi.dev.yaml").config).toEqual({
            [`${PROJECT_NAME}:cluster`]: "kind",
            [`${PROJECT_NAME}:flavor`]: "calico",
            [`${PROJECT_NAME}:stage`]: "cluster",
        });
    });
});
