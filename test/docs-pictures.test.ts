// The pictures the README and docs/walkthrough.md show: helloworld's five stages as the lab's
// report draws them (live/stage-report.ts: the lab's flows, marked against the stage before; the
// analyzer's picture, drawn by Graphviz in-process), of each stage's objects as the program
// declares them (Pulumi mocks) plus the scenario's baseline. A picture that differs from
// docs/pictures/ fails; when the change is meant,
//   npm run pictures      (UPDATE_PICTURES=1 npx vitest run test/docs-pictures.test.ts)
// rewrites them, to be reviewed and committed with the change.
import * as fs from "fs";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, loadGraphviz, renderSvg, writeDot } from "../analysis";
import type { PlainObject } from "../live/cluster";
import { stageReport } from "../live/stage-report";
import { helloworld } from "../scenarios/helloworld";
import { RENDER, runProgram } from "./helpers/program";

const PICTURES = path.join(__dirname, "..", "docs", "pictures");
const UPDATE = process.env.UPDATE_PICTURES === "1";

/** docs/pictures/<file> for a stage: helloworld-<n>-<name>.svg. */
const pictureFile = (stage: { number: number; name: string }) => `helloworld-${stage.number}-${stage.name}.svg`;

describe("docs/pictures: the lab's stages as the report draws them", () => {
    const objects = new Map<number, PlainObject[]>();
    beforeAll(async () => {
        await loadGraphviz();
        for (const stage of helloworld.stages) {
            const run = await runProgram({ ...RENDER, stage: stage.name, flavor: "calico" });
            objects.set(stage.number, [...run.kubernetesObjects, ...helloworld.baseline(stage)] as PlainObject[]);
        }
    }, 300_000);

    it.each(helloworld.stages.slice(1).map((stage) => [stage.number, stage] as const))("stage %i", (number, stage) => {
        const report = stageReport({ stage, previous: objects.get(number - 1)!, current: objects.get(number)!, checks: helloworld.flowChecksAt(stage, {}) });
        const picture = report.pictures[0]!.picture!;
        const svg = renderSvg(collect((write) => writeDot(picture, write)));
        const file = path.join(PICTURES, pictureFile(stage));
        if (UPDATE) {
            fs.mkdirSync(PICTURES, { recursive: true });
            fs.writeFileSync(file, svg);
            return;
        }
        expect(fs.existsSync(file), `${path.relative(process.cwd(), file)} is missing: npm run pictures writes it`).toBe(true);
        expect(svg === fs.readFileSync(file, "utf8"), `${path.relative(process.cwd(), file)} is stale: npm run pictures rewrites it`).toBe(true);
    });

    it("the README and the walkthrough show every one of them", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        const walkthrough = fs.readFileSync(path.join(__dirname, "..", "docs", "walkthrough.md"), "utf8");
        for (const stage of helloworld.stages.slice(1)) {
            expect(readme).toContain(`](docs/pictures/${pictureFile(stage)})`);
            expect(walkthrough).toContain(`](pictures/${pictureFile(stage)})`);
        }
        expect(fs.readdirSync(PICTURES).sort()).toEqual(helloworld.stages.slice(1).map(pictureFile).sort());
    });
});
