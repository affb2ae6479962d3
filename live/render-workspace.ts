// The places a `npm run lab -- --render` walk writes, and the record of what it created, so that
// it deletes exactly that and nothing else: a temporary directory (the throw-away backend and the
// provider's render directory), and the throw-away stack's Pulumi.<stack>-render.yaml, which is
// refused up front if the user already has one. The kept output, .rendered/<stack>/<n>-<stage>/,
// is always inside the repository's .rendered/.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackName } from "./cli";

export class RenderWorkspace {
    /** Throw-away stack: `<stack>-render`. */
    readonly stackName: string;
    /** The file Pulumi writes the throw-away stack's config to; deleted at the end (it did not exist before). */
    readonly stackFile: string;
    /** file:// backend of the throw-away stack. */
    readonly backend: string;
    /** The provider's render directory (one for every stage; see scripts/lab.ts). */
    readonly manifests: string;
    private readonly root: string;

    private constructor(
        readonly repoDir: string,
        readonly sourceStack: string,
    ) {
        this.stackName = `${sourceStack}-render`;
        this.stackFile = path.join(repoDir, `Pulumi.${this.stackName}.yaml`);
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "lab-render-"));
        this.backend = path.join(this.root, "backend");
        this.manifests = path.join(this.root, "manifests");
        fs.mkdirSync(this.backend);
    }

    /**
     * @throws Error when the stack name breaks Pulumi's rules (before anything is touched), or
     *   Pulumi.<stack>-render.yaml exists already (it is the user's; the walk would overwrite and delete it).
     */
    static open(repoDir: string, sourceStack: string): RenderWorkspace {
        stackName(sourceStack);
        stackName(`${sourceStack}-render`);
        const stackFile = path.join(repoDir, `Pulumi.${sourceStack}-render.yaml`);
        if (fs.existsSync(stackFile)) {
            throw new Error(
                `${stackFile} exists: --render uses the stack ${sourceStack}-render as its throw-away stack and would overwrite and then delete that file. Rename it, or render another stack`,
            );
        }
        return new RenderWorkspace(repoDir, sourceStack);
    }

    /** Where a stage's manifests are kept: .rendered/<stack>/<scenario>/<n>-<name>/, never outside .rendered/. */
    stageDirectory(stage: { number: number; name: string }, scenario: string): string {
        const rendered = path.join(this.repoDir, ".rendered");
        const directory = path.join(rendered, this.sourceStack, scenario, `${stage.number}-${stage.name}`);
        const relative = path.relative(rendered, directory);
        if (relative.startsWith("..") || path.isAbsolute(relative)) throw new Error(`refusing to write outside ${rendered}: ${directory}`);
        return directory;
    }

    /** Deletes what this walk created (the temporary directory, the throw-away stack file), and nothing else. */
    cleanup(): string[] {
        const removed: string[] = [];
        if (fs.existsSync(this.stackFile)) {
            fs.rmSync(this.stackFile);
            removed.push(this.stackFile);
        }
        fs.rmSync(this.root, { recursive: true, force: true });
        removed.push(this.root);
        return removed;
    }
}
